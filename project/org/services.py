"""Writes to the organization: units, cadres, role grants. Each one audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from project.audit.services import audit_record
from project.org.models import PATH_STEP, Role, RoleGrant, Unit, User, encode_step

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def unit_create(*, actor: User | AnonymousUser | None, name: str, code: str, parent: Unit | None = None) -> Unit:
    """Create a unit under `parent` (a root when None), giving it the next free path step."""
    with transaction.atomic():
        if parent is not None:
            # Lock the parent so that two siblings created at once don't draw the same path.
            parent = Unit.objects.select_for_update().get(pk=parent.pk)
        siblings = Unit.objects.filter(parent=parent)
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        prefix = parent.path if parent is not None else ""
        index = 0 if last is None else _decode_step(last[-PATH_STEP:]) + 1
        unit = Unit.objects.create(
            name=name,
            code=code,
            parent=parent,
            path=prefix + encode_step(index),
            depth=(parent.depth + 1) if parent is not None else 1,
        )
        audit_record(actor=actor, action="unit.create", obj=unit, summary=f"created unit {code}")
    return unit


def _decode_step(step: str) -> int:
    return int(step, 36)


def role_grant(*, actor: User | AnonymousUser | None, user: User, role: Role | str, unit: Unit) -> RoleGrant:
    """Give `user` the role over `unit` and its subtree (idempotent)."""
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=unit)
        if created:
            audit_record(
                actor=actor,
                action="role.grant",
                obj=grant,
                summary=f"granted {role} over {unit.code} to {user.username}",
            )
    user.__dict__.pop("_grant_paths", None)
    return grant
