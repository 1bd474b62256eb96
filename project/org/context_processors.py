from __future__ import annotations

from django.http import HttpRequest

from project.org.permissions import roles_of


def roles(request: HttpRequest) -> dict[str, object]:
    """The current user's roles, for menus (templates never decide permissions from this alone)."""
    return {"user_roles": roles_of(request.user)}
