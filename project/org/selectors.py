"""Reads of the roster, always starting from visible_to(user)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from project.org.models import Cadre, CadreQuerySet, RoleGrant, Unit, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def role_holders(roles: str | Iterable[str], unit: Unit) -> QuerySet[User]:
    """The active users who hold one of `roles` over `unit`: a grant on it or on a unit above it. One query
    when evaluated (the grants are a subquery)."""
    wanted = [roles] if isinstance(roles, str) else list(roles)
    grants = RoleGrant.objects.filter(role__in=wanted, unit__path__in=unit.ancestor_paths()).values("user_id")
    return User.objects.filter(pk__in=grants, is_active=True)


def people_of(unit: Unit) -> QuerySet[User]:
    """The active users who work in `unit` or under it (their cadre's unit) or hold any role over it: those
    a task about the unit can be given to. One query when evaluated (both sides are subqueries)."""
    cadres = Cadre.objects.filter(unit__path__startswith=unit.path, user__isnull=False).values("user_id")
    grants = RoleGrant.objects.filter(unit__path__in=unit.ancestor_paths()).values("user_id")
    return User.objects.filter(Q(pk__in=cadres) | Q(pk__in=grants), is_active=True)


def cadre_list(*, user: User | AnonymousUser, query: str = "", unit_id: int | None = None) -> CadreQuerySet:
    cadres = Cadre.objects.visible_to(user).select_related("unit")
    if query:
        cadres = cadres.filter(Q(name__contains=query) | Q(external_id=query) | Q(post__contains=query))
    if unit_id is not None:
        cadres = cadres.filter(unit_id=unit_id)
    return cadres
