"""Where roles are known: predicates over RoleGrant. Views, services and templates all ask here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from project.org.models import Role, RoleGrant, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User


def _grants(user: User) -> list[tuple[str, str]]:
    """All (role, unit path) pairs of the user: one query per request, cached on the user object."""
    if "_grants" not in user.__dict__:
        user.__dict__["_grants"] = list(RoleGrant.objects.filter(user=user).values_list("role", "unit__path"))
    grants: list[tuple[str, str]] = user.__dict__["_grants"]
    return grants


def with_grants(users: Iterable[User]) -> list[User]:
    """The users, each with their grants loaded as `_grants` caches them, in one query for all: a list of
    candidates can then be asked has_role one by one without a query apiece."""
    listed = list(users)
    grants: dict[int, list[tuple[str, str]]] = {user.pk: [] for user in listed}
    rows = RoleGrant.objects.filter(user__in=list(grants)).values_list("user_id", "role", "unit__path")
    for user_id, role, path in rows:
        grants[user_id].append((role, path))
    for user in listed:
        user.__dict__["_grants"] = grants[user.pk]
    return listed


def grant_paths(user: User, roles: Iterable[str]) -> list[str]:
    """Paths of the units under which the user holds any of the roles."""
    wanted = set(roles)
    return sorted({path for role, path in _grants(user) if role in wanted})


def subtree_filter(user: User, roles: Iterable[str], path_field: str) -> Q:
    """A Q matching rows whose unit path lies under a unit where the user holds one of the roles."""
    query = Q(pk__in=[])
    for path in grant_paths(user, roles):
        query |= Q(**{f"{path_field}__startswith": path})
    return query


def has_role(user: User | AnonymousUser, role: str, unit: Unit | None = None) -> bool:
    """Whether the user holds the role anywhere (unit None) or over the given unit."""
    if not user.is_authenticated:
        return False
    paths = grant_paths(user, [role])
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(path) for path in paths)


def roles_of(user: User | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {role for role, _path in _grants(user)}


def is_org_admin(user: User | AnonymousUser, unit: Unit | None = None) -> bool:
    """The organization department (组织部门) over the unit — over some unit when `unit` is None — or a
    superuser: the test most of the apps' predicates start from."""
    return user.is_authenticated and (bool(user.is_superuser) or has_role(user, Role.ORG_ADMIN, unit))


def can_import_roster(user: User | AnonymousUser, unit: Unit | None = None) -> bool:
    """Only the organization department imports the roster (into a unit inside its subtree)."""
    return is_org_admin(user, unit)


def can_view_audit(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, Role.AUDITOR))
