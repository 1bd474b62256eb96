"""Writes to the organization: units, cadres, role grants. Each one audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from project.audit.services import audit_record
from project.org.models import PATH_STEP, Cadre, Role, RoleGrant, Unit, User, encode_step
from project.org.permissions import can_import_roster
from project.org.roster_import import (
    UPDATED_FIELDS,
    RowChange,
    RowIssue,
    in_reading_order,
    parse_rows,
    plan_import,
    read_table,
)
from project.service_checks import column_length

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


# The deepest a unit lies: its path (PATH_STEP characters a level) fills the column.
PATH_MAX_LENGTH = column_length(Unit, "path")


def unit_create(*, actor: User | AnonymousUser | None, name: str, code: str, parent: Unit | None = None) -> Unit:
    """Create a unit under `parent` (a root when None), giving it the next free path step."""
    with transaction.atomic():
        if parent is not None:
            # Lock the parent so that two siblings created at once don't draw the same path.
            parent = Unit.objects.select_for_update().get(pk=parent.pk)
        siblings = Unit.objects.filter(parent=parent)
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        prefix = parent.path if parent is not None else ""
        if len(prefix) + PATH_STEP > PATH_MAX_LENGTH:
            raise ValidationError(
                {"parent": _("A unit can lie at most %(depth)s levels deep.") % {"depth": PATH_MAX_LENGTH // PATH_STEP}}
            )
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
    user.__dict__.pop("_grants", None)
    return grant


def role_revoke(*, actor: User | AnonymousUser | None, grant: RoleGrant) -> None:
    """Take back a role grant (the admin's delete). Audited; the grant row is removed."""
    with transaction.atomic():
        summary = f"revoked {grant.role} over {grant.unit.code} from {grant.user.username}"
        audit_record(actor=actor, action="role.revoke", obj=grant, summary=summary)
        user = grant.user
        grant.delete()
    user.__dict__.pop("_grants", None)


def unit_rename(*, actor: User | AnonymousUser | None, unit: Unit, name: str) -> Unit:
    """Change a unit's name. Its code and place in the tree are stable and never change here."""
    with transaction.atomic():
        old = Unit.objects.select_for_update().get(pk=unit.pk).name
        if old == name:
            return unit
        unit.name = name
        unit.save(update_fields=["name"])
        audit_record(
            actor=actor,
            action="unit.rename",
            obj=unit,
            summary=f"renamed unit {unit.code}",
            data={"from": old, "to": name},
        )
    return unit


def cadre_save(*, actor: User | AnonymousUser | None, cadre: Cadre, changed: list[str]) -> Cadre:
    """Save a cadre entered or corrected by hand (the admin), recording which fields changed.

    The roster import is the normal way in; this is for single corrections.
    """
    with transaction.atomic():
        created = cadre.pk is None
        cadre.save()
        audit_record(
            actor=actor,
            action="cadre.create" if created else "cadre.update",
            obj=cadre,
            summary=f"{'created' if created else 'updated'} cadre {cadre.external_id}",
            data={"fields": sorted(changed)},
        )
    return cadre


@dataclass
class RosterImportResult:
    """What an import did, or would do (dry run), or why it could not (then nothing was written)."""

    issues: list[RowIssue] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def roster_import(
    *,
    actor: User | AnonymousUser | None,
    content: bytes,
    filename: str,
    unit: Unit | None = None,
    dry_run: bool = False,
) -> RosterImportResult:
    """Import a roster file (CSV or XLSX), all or nothing, updating cadres by their cadre id.

    `actor` is the person importing (None for an operator's command); a person may only write cadres of
    units under their org_admin grants (`can_import_roster`). `unit`, when given, narrows the import to
    that subtree and is the unit of rows that name none. One audit event records the counts.

    Raises PermissionDenied when the actor may not import at all (or not into `unit`), and
    RosterFileError when the file cannot be read as a roster. Any row problem is returned in
    `issues` and then nothing is written; `dry_run` checks everything and writes nothing.
    """
    if actor is not None and not can_import_roster(actor, unit):
        raise PermissionDenied
    parsed = parse_rows(read_table(content, filename), unit_code_required=unit is None)
    result = RosterImportResult(issues=list(parsed.issues), ignored_columns=parsed.ignored_columns, dry_run=dry_run)
    if not parsed.rows:  # the header itself is wrong: there is nothing to check against the database
        return result

    def may_import_into(target: Unit) -> bool:
        inside_scope = unit is None or target.is_within(unit)
        return inside_scope and (actor is None or can_import_roster(actor, target))

    try:
        with transaction.atomic():
            plan = plan_import(parsed, may_import_into=may_import_into, default_unit=unit, lock=not dry_run)
            # Every problem at once, in reading order, so that one round of corrections is enough.
            result.issues = in_reading_order(parsed.issues + plan.issues)
            if result.issues:
                return result
            result.changes = plan.changes
            result.created = len(plan.to_create)
            result.updated = len(plan.to_update)
            result.unchanged = plan.unchanged
            if dry_run:
                return result
            Cadre.objects.bulk_create(plan.to_create, batch_size=500)
            Cadre.objects.bulk_update(plan.to_update, fields=list(UPDATED_FIELDS), batch_size=500)
            audit_record(
                actor=actor,
                action="roster.import",
                obj=unit,
                summary=(
                    f"imported roster {filename[:100]}: {result.created} created, "
                    f"{result.updated} updated, {result.unchanged} unchanged"
                ),
                data={
                    "file": filename[:200],
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "unit": unit.code if unit is not None else None,
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
    except IntegrityError:
        # Someone else added one of these cadre ids (or linked an account) between our read and write.
        message = _("The roster changed while this file was being imported. Nothing was written; please try again.")
        return RosterImportResult(issues=[RowIssue(1, "", message)], dry_run=dry_run)
    return result
