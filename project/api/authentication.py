"""Token authentication with an expiry: a token is a bearer secret that does not pass through the second
factor, so a leaked one must not work for ever. `manage.py api_token USER --reset` issues a new one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expires_at(created: datetime) -> datetime:
    return created + timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token.created):
            raise exceptions.AuthenticationFailed(
                _("This API token has expired. Ask an administrator for a new one (manage.py api_token --reset).")
            )
        return user, token
