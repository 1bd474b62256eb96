"""Writes to rectification cases: opening, determination and the leader in charge; and the rules and helpers of
every service of the cases.

The other services are by concern: talk_services (talks, commitments, plans, care measures), period_services (the
rectification period, verification, closure, escalation, withdrawal), visit_services, circulars and assignment.

Each service: locks the row (`select_for_update`), checks the state (→ InvalidTransition, a 409 with a
message a person understands), asks the predicate in `permissions.py` (→ PermissionDenied, 403), calls
the transition (which only sets fields), saves, writes the audit event in the same transaction, and
sends side effects on commit. Views, tasks and commands call these; nothing else writes the models.
Invalid input raises Django's ValidationError (the form shows it).

Audit summaries name the case and the step, never the content of a talk or anything about a visit.

Marks for the evaluations (project.org.CadreMark, `source="case:<pk>"`):
- closing a case (销号 or after handling) writes `case_closed`, valid for the relapse window (24 months),
  which the identification reads as "a case of this cadre closed within the last 24 months";
- escalation writes `sanction` for the handling measure's effect (to the end of the year by default).
- confirmation writes `rectification_target` (open-ended), ended on the day the case closes or is
  withdrawn; the fault-tolerance G6 suggestion reads it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cases.rectification import permissions
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import (
    CLOSED_STATES,
    OPEN_STATES,
    CaseState,
    RectificationCase,
)
from project.audit.services import AuditEntry, audit_record, audit_record_many
from project.locking import lock_rows
from project.org.models import Cadre, CadreMark, MarkKind, User
from project.service_checks import acting_person, allow, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from cases.rectification.models import Commitment, Talk
    from cases.rectification.visit_models import VisitPlan

    AnyUser = User | AnonymousUser

logger = logging.getLogger(__name__)

DEFAULT_PERIOD_MONTHS = 6
MAX_PERIOD_MONTHS = 24
MANIFESTATION_CODE_MAX = 20
TALK_RECORD_KIND = "talk_record"
CASE_SOURCE_PREFIX = "case:"


@dataclass(frozen=True)
class RoundRef:
    """The evaluation round a nomination comes from: its id and title, copied (no foreign key)."""

    id: int
    title: str


# --- helpers, shared by the other service modules of the package ----------------------------------


def lock_case(case: RectificationCase | int) -> RectificationCase:
    pk = case if isinstance(case, int) else case.pk
    # `of=("self",)`: lock the case row only, not the cadre and unit rows joined for the predicates.
    return RectificationCase.objects.select_for_update(of=("self",)).select_related("cadre", "unit").get(pk=pk)


# A record of a case that a step locks: its case is locked first.
CaseRecord = TypeVar("CaseRecord", "Talk", "Commitment", "VisitPlan")


def lock_case_record(record: CaseRecord) -> CaseRecord:
    """The record's row locked after its case's, the order every case step takes them: what the step checks of
    the case (open, who leads it, its state) then stays true until it commits, whatever a withdrawal or a
    handover does meanwhile. The returned record carries the locked case."""
    case = lock_case(record.case_id)
    locked = type(record).objects.select_for_update(of=("self",)).get(pk=record.pk)
    locked.case = case
    return locked


def require(allowed: bool, message: str, code: str = "state") -> None:
    if not allowed:
        raise InvalidTransition(message, code=code)


def _state_label(case: RectificationCase) -> str:
    return str(CaseState(case.state).label)


def wrong_state_message(case: RectificationCase) -> str:
    return _("Case #%(pk)s is %(state)s; that step is not possible now.") % {
        "pk": case.pk,
        "state": _state_label(case),
    }


def _concurrent(case: RectificationCase) -> InvalidTransition:
    return InvalidTransition(
        _("Case #%(pk)s was changed by someone else at the same moment. Reload the page and try again.")
        % {"pk": case.pk},
        code="concurrent",
    )


def save_case(case: RectificationCase) -> None:
    try:
        case.save()
    except ConcurrentTransition:
        raise _concurrent(case) from None


def audit(actor: AnyUser | None, action: str, obj: Any, summary: str, **data: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, data=data)


def _today() -> date:
    return timezone.localdate()


def write_mark(
    case: RectificationCase, kind: str, *, valid_from: date, valid_until: date | None, note: str
) -> CadreMark:
    return CadreMark.objects.create(
        cadre_id=case.cadre_id,
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until,
        source=f"{CASE_SOURCE_PREFIX}{case.pk}",
        note=note[:300],
    )


def end_target_mark(case: RectificationCase) -> None:
    """The cadre stops being a confirmed target today (closure or withdrawal)."""
    CadreMark.objects.filter(
        cadre_id=case.cadre_id,
        kind=MarkKind.RECTIFICATION_TARGET,
        source=f"{CASE_SOURCE_PREFIX}{case.pk}",
        valid_until__isnull=True,
    ).update(valid_until=_today())


def _clean_manifestations(codes: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for code in codes:
        value = str(code).strip()
        if not value or len(value) > MANIFESTATION_CODE_MAX:
            raise ValidationError({"manifestations": _("A manifestation code must be 1 to 20 characters long.")})
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _frozen(evidence: Mapping[str, Any]) -> dict[str, Any]:
    # A deep, JSON-only copy: what the round said is stored as it was, and nothing the caller keeps
    # a reference to can change it afterwards.
    try:
        frozen = json.loads(json.dumps(dict(evidence), ensure_ascii=False, sort_keys=True))
    except (TypeError, ValueError) as error:
        raise ValidationError({"evidence": _("The evidence must be plain data (numbers, text, lists).")}) from error
    return dict(frozen)


def checked_period_months(value: int | None, default: int) -> int:
    months = default if value is None else int(value)
    if not 1 <= months <= MAX_PERIOD_MONTHS:
        raise ValidationError(
            {"period_months": _("The period must last 1 to %(max)s months.") % {"max": MAX_PERIOD_MONTHS}}
        )
    return months


# --- opening: nomination and manual opening ---------------------------------------------------------


def _create_case(
    *,
    actor: User | None,
    cadre: Cadre,
    evidence: dict[str, Any],
    manifestations: list[str],
    round_ref: RoundRef | None,
    opening_reason: str,
) -> RectificationCase:
    # Lock the cadre's row: two nominations of one cadre at once serialize here, and the second one
    # sees the first one's open case.
    lock_rows(Cadre.objects.filter(pk=cadre.pk))
    current = RectificationCase.objects.filter(cadre=cadre, state__in=OPEN_STATES).first()
    if current is not None:
        raise InvalidTransition(
            _("%(name)s already has an open case (#%(pk)s).") % {"name": cadre.name, "pk": current.pk},
            code="open_case",
        )
    predecessor = (
        RectificationCase.objects.filter(cadre=cadre, state__in=CLOSED_STATES).order_by("-closed_at", "-pk").first()
    )
    if predecessor is not None and "M5" not in manifestations:
        manifestations = [*manifestations, "M5"]
    try:
        with transaction.atomic():
            case = RectificationCase.objects.create(
                cadre=cadre,
                unit_id=cadre.unit_id,
                round_id=round_ref.id if round_ref else None,
                round_title=round_ref.title[:200] if round_ref else "",
                evidence=evidence,
                manifestations=manifestations,
                opening_reason=opening_reason,
                nominated_by=actor,
                predecessor=predecessor,
                repeat_offence=predecessor is not None,
            )
    except IntegrityError:
        raise InvalidTransition(_("%(name)s already has an open case.") % {"name": cadre.name}) from None
    return case


def case_nominate(
    *,
    actor: AnyUser | None,
    cadre: Cadre,
    evidence: Mapping[str, Any],
    round_ref: RoundRef | None = None,
    manifestations: Sequence[str] = (),
) -> RectificationCase:
    """Nominate a cadre flagged by a round (or by the organization department) as a candidate target.

    `evidence` (scores, flags, reasons as the round gave them) is frozen on the case. If the cadre has an
    earlier closed case, the new one links it as predecessor and is marked a repeat offence (屡教不改,
    manifestation M5). Idempotent per round: nominating the same cadre from the same round again returns
    the existing case. `actor` None is the system (the round's identification task).
    Requires: no other open case of the cadre; the actor is the system or org_admin over the cadre.
    Raises PermissionDenied, InvalidTransition (an open case exists), ValidationError (evidence).
    """
    allow(permissions.can_nominate_case(actor, cadre))
    person = acting_person(actor) if actor is not None else None
    frozen = _frozen(evidence)
    codes = _clean_manifestations(manifestations)
    with transaction.atomic():
        if round_ref is not None:
            existing = RectificationCase.objects.filter(cadre=cadre, round_id=round_ref.id).first()
            if existing is not None:
                return existing
        case = _create_case(
            actor=person, cadre=cadre, evidence=frozen, manifestations=codes, round_ref=round_ref, opening_reason=""
        )
        audit(
            actor,
            "case.nominate",
            case,
            f"nominated case #{case.pk}"
            + (f" from round #{round_ref.id}" if round_ref else "")
            + (f", repeat offence after case #{case.predecessor_id}" if case.repeat_offence else ""),
            cadre=cadre.external_id,
            round=round_ref.id if round_ref else None,
            repeat_offence=case.repeat_offence,
        )
    return case


def case_open_manually(
    *, actor: AnyUser, cadre: Cadre, reason: str, manifestations: Sequence[str] = ()
) -> RectificationCase:
    """Open a case for a cadre outside any round (the organization department, with a written reason).

    The case starts nominated like any other: the organizational determination is a separate step.
    Requires: org_admin over the cadre's unit; no open case of the cadre.
    Raises PermissionDenied, InvalidTransition, ValidationError (no reason).
    """
    person = acting_person(actor)
    allow(permissions.can_open_case(person, cadre))
    reason = required_text(reason, "reason", _("Say why the case is opened."))
    codes = _clean_manifestations(manifestations)
    with transaction.atomic():
        case = _create_case(
            actor=person, cadre=cadre, evidence={}, manifestations=codes, round_ref=None, opening_reason=reason
        )
        audit(person, "case.open", case, f"opened case #{case.pk} outside a round", cadre=cadre.external_id)
    return case


# --- organizational determination (组织评定) ----------------------------------------------------------


def case_confirm(*, actor: AnyUser, case: RectificationCase, note: str) -> RectificationCase:
    """Confirm the nominated cadre as a rectification target, with the determination note (评定意见).

    Requires: state nominated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError (no note).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.confirm), wrong_state_message(locked))
        allow(permissions.can_confirm_case(person, locked))
        note = required_text(note, "note", _("Write the determination note."))
        locked.confirm(by=person, at=timezone.now(), note=note)
        save_case(locked)
        write_mark(locked, MarkKind.RECTIFICATION_TARGET, valid_from=_today(), valid_until=None, note="confirmed")
        audit(person, "case.confirm", locked, f"confirmed case #{locked.pk} as a rectification target")
    return locked


def case_dismiss(*, actor: AnyUser, case: RectificationCase, reason: str) -> RectificationCase:
    """Dismiss the nomination (不予确定) with the reason.

    Requires: state nominated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError (no reason).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.dismiss), wrong_state_message(locked))
        allow(permissions.can_dismiss_case(person, locked))
        reason = required_text(reason, "reason", _("Give the reason for dismissing."))
        locked.dismiss(by=person, at=timezone.now(), reason=reason)
        save_case(locked)
        audit(person, "case.dismiss", locked, f"dismissed case #{locked.pk}")
    return locked


def _determine_bulk(*, actor: AnyUser, case_ids: Iterable[int], text: str, confirm: bool) -> int:
    person = acting_person(actor)
    field = "note" if confirm else "reason"
    text = required_text(
        text, field, _("Write the determination note.") if confirm else _("Give the reason for dismissing.")
    )
    ids = sorted({int(pk) for pk in case_ids})
    if not ids:
        raise ValidationError({"cases": _("Choose at least one case.")})
    target = CaseState.CONFIRMED if confirm else CaseState.DISMISSED
    with transaction.atomic():
        # One pass: lock every chosen case in one query (in id order, so two bulk actions never
        # deadlock), check each, then write them all with one UPDATE and one multi-row audit insert.
        cases = list(
            RectificationCase.objects.select_for_update(of=("self",))
            .select_related("cadre", "unit")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        missing = sorted(set(ids) - {case.pk for case in cases})
        require(
            not missing,
            _("These cases no longer exist: %(ids)s.") % {"ids": ", ".join(f"#{pk}" for pk in missing)},
            "missing",
        )
        wrong = [case for case in cases if not can_proceed(case.confirm if confirm else case.dismiss)]
        require(
            not wrong,
            _("Only nominated cases can be determined; these are not: %(cases)s.")
            % {"cases": ", ".join(f"#{case.pk} ({_state_label(case)})" for case in wrong)},
        )
        allowed = permissions.can_confirm_case if confirm else permissions.can_dismiss_case
        allow(all(allowed(person, case) for case in cases))
        now = timezone.now()
        for case in cases:
            if confirm:
                case.confirm(by=person, at=now, note=text)
            else:
                case.dismiss(by=person, at=now, reason=text)
        # Every case received the same values from its transition, so one UPDATE writes them all. Its
        # state filter is ConcurrentTransitionMixin's check, for the whole batch at once.
        values: dict[str, Any] = {"state": target, "determined_by": person, "determined_at": now, "updated_at": now}
        values["determination_note" if confirm else "dismissal_reason"] = text
        updated = RectificationCase.objects.filter(pk__in=ids, state=CaseState.NOMINATED).update(**values)
        if updated != len(ids):
            raise _concurrent(cases[0])
        if confirm:
            CadreMark.objects.bulk_create(
                [
                    CadreMark(
                        cadre_id=case.cadre_id,
                        kind=MarkKind.RECTIFICATION_TARGET,
                        valid_from=_today(),
                        source=f"{CASE_SOURCE_PREFIX}{case.pk}",
                        note="confirmed",
                    )
                    for case in cases
                ]
            )
        verb = "confirmed" if confirm else "dismissed"
        audit_record_many(
            actor=person,
            action="case.confirm" if confirm else "case.dismiss",
            entries=[
                AuditEntry(f"{verb} case #{case.pk} (one of {len(ids)} in one action)", case, {"bulk": len(ids)})
                for case in cases
            ],
        )
    return len(ids)


def cases_confirm_bulk(*, actor: AnyUser, case_ids: Iterable[int], note: str) -> int:
    """Confirm many nominated cases at once, each with the same determination note; all or nothing.

    A constant number of queries whatever the number of cases (one lock query, one UPDATE, one audit
    insert — SQLite splits that every 99 rows). One audit event per case.
    Requires: every case nominated; org_admin over every case. Raises InvalidTransition (naming the
    cases that are not nominated), PermissionDenied, ValidationError (no note, no case). Returns the count.
    """
    return _determine_bulk(actor=actor, case_ids=case_ids, text=note, confirm=True)


def cases_dismiss_bulk(*, actor: AnyUser, case_ids: Iterable[int], reason: str) -> int:
    """Dismiss many nominated cases at once, each with the same reason; all or nothing. As `cases_confirm_bulk`."""
    return _determine_bulk(actor=actor, case_ids=case_ids, text=reason, confirm=False)


# --- the leader in charge -------------------------------------------------------------------------


def case_assign_leader(*, actor: AnyUser, case: RectificationCase, leader: User) -> RectificationCase:
    """Assign the leader in charge (分管领导); the case moves to talks.

    Requires: state confirmed; org_admin of the subtree; the leader holds the leader role over the
    case's unit and is neither the cadre nor the cadre's subordinate (`permissions.can_lead_case`).
    Raises InvalidTransition, PermissionDenied, ValidationError (leader not eligible).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.assign_leader), wrong_state_message(locked))
        allow(permissions.can_assign_leader_case(person, locked))
        if not permissions.can_lead_case(leader, locked):
            raise ValidationError(
                {
                    "leader": _(
                        "This person cannot lead this case: a leader over the cadre's unit is needed, "
                        "who is neither the cadre nor their subordinate."
                    )
                }
            )
        locked.assign_leader(leader=leader, at=timezone.now())
        save_case(locked)
        audit(
            person, "case.assign_leader", locked, f"assigned {leader.username} to lead case #{locked.pk}",
            leader=leader.username,
        )  # fmt: skip
    return locked
