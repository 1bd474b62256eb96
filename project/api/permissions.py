"""The API's permission base. Who may see what is decided by each app's `visible_to(user)` querysets
(a hidden object is a 404); who may do what by the services' predicates (→ 403 through the exception
handler). Here only: a request must come from an active, authenticated user."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsActiveUser(BasePermission):
    """Logged in (session or token) with an active account; anything else is 401/403 before any query."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


def hide_unless(allowed: bool) -> None:
    """For reads a predicate guards on top of visibility (e.g. a case's sealed visit plans): answer 404,
    exactly like the pages, so that a person who may not see a thing cannot learn it exists."""
    if not allowed:
        raise Http404
