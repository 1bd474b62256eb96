"""`manage.py api_token USER [--reset]`: print the user's API token (creating it), or replace it.

Tokens expire after settings.API_TOKEN_DAYS; an expired one is not printed: --reset issues a new one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from project.api.authentication import token_expires_at
from project.audit.services import audit_record
from project.org.models import User


class Command(BaseCommand):
    help = "Print the API token of USER, creating it if needed; --reset replaces it (the old one stops working)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="Delete the current token and create a new one.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"The account {user.username!r} is not active.")
        with transaction.atomic():
            if options["reset"]:
                Token.objects.filter(user=user).delete()
            token, created = Token.objects.get_or_create(user=user)
            expires = token_expires_at(token.created)
            if expires <= timezone.now():
                raise CommandError(
                    f"The API token of {user.username!r} expired on {expires:%Y-%m-%d}; --reset issues a new one."
                )
            if created:
                # The token itself never goes into the audit trail: only that one was issued.
                audit_record(
                    actor=None,
                    action="api.token",
                    obj=user,
                    summary=f"issued an API token for {user.username}",
                    data={"reset": bool(options["reset"])},
                )
        self.stderr.write(f"valid until {expires:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(token.key)
