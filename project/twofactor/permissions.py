"""Who must log in with two factors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from project.org.models import Role
from project.org.permissions import roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

# The roles that read whole subtrees (rosters, matter files, the audit trail). Leaders, inspectors and
# cadres see only what is assigned to them; for them a second factor stays optional.
TWO_FACTOR_ROLES = frozenset({Role.ORG_ADMIN, Role.REVIEWER, Role.AUDITOR})


def must_use_two_factors(user: User | AnonymousUser) -> bool:
    """Whether this user must pass a second factor before any page (setting DJANGO_REQUIRE_2FA).

    Staff and superusers are included: the admin site reaches every table.
    """
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or roles_of(user) & TWO_FACTOR_ROLES)
