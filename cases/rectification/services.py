"""Every write to rectification cases, talks, commitments, plans and care measures.

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
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cases.matters.workdays import add_months
from cases.rectification import permissions, verdicts
from cases.rectification.exceptions import AlreadyRecorded, InvalidTransition
from cases.rectification.models import (
    CLOSED_STATES,
    OPEN_STATES,
    PLAN_STATES,
    SUPPORT_STATES,
    TALK_STATES,
    Acknowledgement,
    CareKind,
    CareMeasure,
    CaseState,
    Commitment,
    CommitmentStatus,
    HandlingMeasure,
    RectificationCase,
    RectificationPlan,
    Talk,
    TalkKind,
    WithdrawalReason,
)
from evaluations.scoring import RELAPSE_WINDOW_MONTHS
from project.audit.services import AuditEntry, audit_record, audit_record_many
from project.documents.services import document_request
from project.oncommit import call_on_commit
from project.org.models import Cadre, CadreMark, MarkKind, Role, User
from project.org.selectors import role_holders

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

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


@dataclass(frozen=True)
class CommitmentInput:
    text: str
    deadline: date | None


# --- helpers ---------------------------------------------------------------------------------------


def _person(actor: AnyUser | None) -> User:
    if actor is None or not actor.is_authenticated or not isinstance(actor, User):
        raise PermissionDenied
    return actor


def _lock(case: RectificationCase | int) -> RectificationCase:
    pk = case if isinstance(case, int) else case.pk
    # `of=("self",)`: lock the case row only, not the cadre and unit rows joined for the predicates.
    return RectificationCase.objects.select_for_update(of=("self",)).select_related("cadre", "unit").get(pk=pk)


def _lock_talk(talk: Talk) -> Talk:
    locked = Talk.objects.select_for_update(of=("self",)).select_related("case__cadre", "case__unit").get(pk=talk.pk)
    return locked


def _require(allowed: bool, message: str, code: str = "state") -> None:
    if not allowed:
        raise InvalidTransition(message, code=code)


def _allow(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _text(value: str | None, field: str, message: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationError({field: message})
    return cleaned


def _state_label(case: RectificationCase) -> str:
    return str(CaseState(case.state).label)


def _wrong_state(case: RectificationCase) -> str:
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


def _save(case: RectificationCase) -> None:
    try:
        case.save()
    except ConcurrentTransition:
        raise _concurrent(case) from None


def _audit(actor: AnyUser | None, action: str, obj: Any, summary: str, **data: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, data=data)


def _today() -> date:
    return timezone.localdate()


def _mark(case: RectificationCase, kind: str, *, valid_from: date, valid_until: date | None, note: str) -> CadreMark:
    return CadreMark.objects.create(
        cadre_id=case.cadre_id,
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until,
        source=f"{CASE_SOURCE_PREFIX}{case.pk}",
        note=note[:300],
    )


def _end_target_mark(case: RectificationCase) -> None:
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


def _months(value: int | None, default: int) -> int:
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
    Cadre.objects.select_for_update().filter(pk=cadre.pk).values_list("pk", flat=True).first()
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
    _allow(permissions.can_nominate_case(actor, cadre))
    person = _person(actor) if actor is not None else None
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
        _audit(
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
    person = _person(actor)
    _allow(permissions.can_open_case(person, cadre))
    reason = _text(reason, "reason", _("Say why the case is opened."))
    codes = _clean_manifestations(manifestations)
    with transaction.atomic():
        case = _create_case(
            actor=person, cadre=cadre, evidence={}, manifestations=codes, round_ref=None, opening_reason=reason
        )
        _audit(person, "case.open", case, f"opened case #{case.pk} outside a round", cadre=cadre.external_id)
    return case


# --- organizational determination (组织评定) ----------------------------------------------------------


def case_confirm(*, actor: AnyUser, case: RectificationCase, note: str) -> RectificationCase:
    """Confirm the nominated cadre as a rectification target, with the determination note (评定意见).

    Requires: state nominated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError (no note).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.confirm), _wrong_state(locked))
        _allow(permissions.can_confirm_case(person, locked))
        note = _text(note, "note", _("Write the determination note."))
        locked.confirm(by=person, at=timezone.now(), note=note)
        _save(locked)
        _mark(locked, MarkKind.RECTIFICATION_TARGET, valid_from=_today(), valid_until=None, note="confirmed")
        _audit(person, "case.confirm", locked, f"confirmed case #{locked.pk} as a rectification target")
    return locked


def case_dismiss(*, actor: AnyUser, case: RectificationCase, reason: str) -> RectificationCase:
    """Dismiss the nomination (不予确定) with the reason.

    Requires: state nominated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError (no reason).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.dismiss), _wrong_state(locked))
        _allow(permissions.can_dismiss_case(person, locked))
        reason = _text(reason, "reason", _("Give the reason for dismissing."))
        locked.dismiss(by=person, at=timezone.now(), reason=reason)
        _save(locked)
        _audit(person, "case.dismiss", locked, f"dismissed case #{locked.pk}")
    return locked


def _determine_bulk(*, actor: AnyUser, case_ids: Iterable[int], text: str, confirm: bool) -> int:
    person = _person(actor)
    field = "note" if confirm else "reason"
    text = _text(text, field, _("Write the determination note.") if confirm else _("Give the reason for dismissing."))
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
        _require(
            not missing,
            _("These cases no longer exist: %(ids)s.") % {"ids": ", ".join(f"#{pk}" for pk in missing)},
            "missing",
        )
        wrong = [case for case in cases if not can_proceed(case.confirm if confirm else case.dismiss)]
        _require(
            not wrong,
            _("Only nominated cases can be determined; these are not: %(cases)s.")
            % {"cases": ", ".join(f"#{case.pk} ({_state_label(case)})" for case in wrong)},
        )
        allowed = permissions.can_confirm_case if confirm else permissions.can_dismiss_case
        _allow(all(allowed(person, case) for case in cases))
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


# --- the leader in charge and the talks ------------------------------------------------------------


def case_assign_leader(*, actor: AnyUser, case: RectificationCase, leader: User) -> RectificationCase:
    """Assign the leader in charge (分管领导); the case moves to talks.

    Requires: state confirmed; org_admin of the subtree; the leader holds the leader role over the
    case's unit and is neither the cadre nor the cadre's subordinate (`permissions.can_lead_case`).
    Raises InvalidTransition, PermissionDenied, ValidationError (leader not eligible).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.assign_leader), _wrong_state(locked))
        _allow(permissions.can_assign_leader_case(person, locked))
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
        _save(locked)
        _audit(
            person, "case.assign_leader", locked, f"assigned {leader.username} to lead case #{locked.pk}",
            leader=leader.username,
        )  # fmt: skip
    return locked


def _card(cadre: Cadre | None, fallback_name: str) -> tuple[str, str, str]:
    """(name, unit, post) copied from the roster."""
    if cadre is None:
        return fallback_name, "", ""
    return cadre.name, cadre.unit.name, cadre.post


def _check_recorder(person: User, case: RectificationCase, recorder: Cadre) -> None:
    if recorder.pk == case.cadre_id or not Cadre.objects.visible_to(person).filter(pk=recorder.pk).exists():
        raise ValidationError({"recorder": _("Choose the recorder from the cadres of your units.")})


def _check_held_at(held_at: datetime, case: RectificationCase) -> None:
    """A talk is recorded after it took place, and it took place in the case: not before its determination
    (a talk of 2019 on a case confirmed in 2026 is a typing error)."""
    if held_at > timezone.now():
        raise ValidationError({"held_at": _("A talk is recorded after it took place.")})
    determined = case.determined_at
    if determined is not None and timezone.localdate(held_at) < timezone.localdate(determined):
        day = timezone.localdate(determined).isoformat()
        raise ValidationError(
            {"held_at": _("The talk cannot be before the case was confirmed (%(day)s).") % {"day": day}}
        )


def check_deadline(deadline: date | None, *, talk_day: date | None, field: str = "deadline", text: str = "") -> None:
    """A commitment's deadline is not before the day of its talk, or, for one added on its own, before today:
    a deadline that is past when it is agreed is a typing error, and it would show as overdue at once.
    (A talk recorded some days after it was held may carry a deadline that has passed since.)"""
    if deadline is None:
        return
    if talk_day is None:
        if deadline < _today():
            raise ValidationError({field: _("The deadline cannot be in the past.")})
    elif deadline < talk_day:
        if text:
            message = _(
                "The deadline of the commitment “%(text)s” (%(deadline)s) "
                "cannot be before the day of the talk (%(day)s)."
            )
        else:
            message = _("The deadline (%(deadline)s) cannot be before the day of the talk (%(day)s).")
        params = {"text": text, "deadline": deadline.isoformat(), "day": talk_day.isoformat()}
        raise ValidationError({field: message % params})


def _check_kind(kind: str) -> None:
    if kind not in TalkKind.values:
        raise ValidationError({"kind": _("Choose the kind of talk.")})


def _commitments(inputs: Sequence[CommitmentInput]) -> list[CommitmentInput]:
    cleaned = []
    for item in inputs:
        text = (item.text or "").strip()
        if not text:
            continue
        if len(text) > 500:
            raise ValidationError({"commitments": _("A commitment must be at most 500 characters long.")})
        cleaned.append(CommitmentInput(text=text, deadline=item.deadline))
    return cleaned


def talk_create(
    *,
    actor: AnyUser,
    case: RectificationCase,
    kind: str,
    place: str,
    recorder: Cadre,
    purpose: str,
    content: str,
    statement: str = "",
    held_at: datetime | None = None,
    commitments: Sequence[CommitmentInput] = (),
) -> Talk:
    """Record a talk (谈话记录) held by the leader in charge, with its follow-up commitments.

    The talker is the actor; names, units and posts of the talker, the recorder and the cadre are copied
    from the roster. The record stays editable by its talker until signed.
    Requires: the case is in talks, rectifying or escalated; the actor is its leader in charge.
    Raises InvalidTransition, PermissionDenied, ValidationError (missing text, a recorder outside the
    leader's units or the cadre themself, a time in the future), AlreadyRecorded (this talker already recorded a
    talk of this kind at this time with this content: the form or request was sent twice).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state in TALK_STATES, _wrong_state(locked))
        _allow(permissions.can_record_talk_case(person, locked))
        _check_kind(kind)
        place = _text(place, "place", _("Say where the talk took place."))
        purpose = _text(purpose, "purpose", _("Give the reason for the talk (事由)."))
        content = _text(content, "content", _("Record the main content."))
        held_at = held_at or timezone.now()
        _check_held_at(held_at, locked)
        _check_recorder(person, locked, recorder)
        items = _commitments(commitments)
        for item in items:
            check_deadline(item.deadline, talk_day=timezone.localdate(held_at), field="commitments", text=item.text)
        # Under the case's lock, so two copies sent at once cannot both pass: the same talker, time and content
        # is the same talk, sent again (a signed record cannot be deleted, so a copy would stay for good).
        same = Talk.objects.filter(case=locked, talker=person, kind=kind, held_at=held_at, content=content).first()
        if same is not None:
            raise AlreadyRecorded(_("This talk is already recorded (talk #%(pk)s).") % {"pk": same.pk}, record=same)
        own = Cadre.objects.select_related("unit").filter(user=person).first()
        subject = Cadre.objects.select_related("unit").get(pk=locked.cadre_id)
        talker_name, talker_unit, talker_post = _card(own, str(person))
        recorder_name, recorder_unit, recorder_post = _card(recorder, recorder.name)
        subject_name, subject_unit, subject_post = _card(subject, subject.name)
        talk = Talk.objects.create(
            case=locked,
            kind=kind,
            held_at=held_at,
            place=place[:200],
            talker=person,
            talker_name=talker_name,
            talker_unit=talker_unit,
            talker_post=talker_post,
            recorder=recorder,
            recorder_name=recorder_name,
            recorder_unit=recorder_unit,
            recorder_post=recorder_post,
            subject_name=subject_name,
            subject_unit=subject_unit,
            subject_post=subject_post,
            purpose=purpose,
            content=content,
            statement=(statement or "").strip(),
            recorded_by=person,
        )
        Commitment.objects.bulk_create(
            Commitment(case=locked, talk=talk, text=item.text, deadline=item.deadline, created_by=person)
            for item in items
        )
        _audit(
            person,
            "talk.record",
            talk,
            f"recorded {kind} talk #{talk.pk} of case #{locked.pk}",
            case=locked.pk,
            commitments=len(items),
        )
    return talk


def talk_update(
    *,
    actor: AnyUser,
    talk: Talk,
    kind: str,
    place: str,
    recorder: Cadre,
    purpose: str,
    content: str,
    statement: str = "",
    held_at: datetime | None = None,
) -> Talk:
    """Correct an unsigned talk record. A signed record is frozen.

    Requires: not signed (→ InvalidTransition); the actor is its talker and still leads the case.
    Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock_talk(talk)
        _require(not locked.is_signed, _signed_message(locked), "signed")
        _allow(permissions.can_edit_talk(person, locked))
        _check_kind(kind)
        locked.kind = kind
        locked.place = _text(place, "place", _("Say where the talk took place."))[:200]
        locked.purpose = _text(purpose, "purpose", _("Give the reason for the talk (事由)."))
        locked.content = _text(content, "content", _("Record the main content."))
        locked.statement = (statement or "").strip()
        if held_at is not None:
            _check_held_at(held_at, locked.case)
            _check_later_deadlines(locked, held_at)
            locked.held_at = held_at
        if recorder.pk != locked.recorder_id:
            _check_recorder(person, locked.case, recorder)
            locked.recorder = recorder
            locked.recorder_name, locked.recorder_unit, locked.recorder_post = _card(
                Cadre.objects.select_related("unit").get(pk=recorder.pk), recorder.name
            )
        locked.save()
        _audit(person, "talk.update", locked, f"corrected talk #{locked.pk} of case #{locked.case_id}")
    return locked


def _check_later_deadlines(talk: Talk, held_at: datetime) -> None:
    """A talk moved to a later day must still come before the deadlines of its commitments."""
    day = timezone.localdate(held_at)
    earlier = talk.commitments.filter(deadline__lt=day).order_by("deadline").first()
    if earlier is not None and earlier.deadline is not None:
        message = _("The talk cannot be after the deadline of its commitment “%(text)s” (%(deadline)s).")
        raise ValidationError({"held_at": message % {"text": earlier.text, "deadline": earlier.deadline.isoformat()}})


def _signed_message(talk: Talk) -> str:
    signed_at = timezone.localtime(talk.signed_at) if talk.signed_at else None
    return _("This talk record was signed on %(day)s and can no longer be changed.") % {
        "day": f"{signed_at:%Y-%m-%d %H:%M}" if signed_at else ""
    }


def talk_sign(*, actor: AnyUser, talk: Talk) -> Talk:
    """The talker signs the record: it is frozen from now on, and its PDF is rendered.

    Requires: not yet signed; the case is open; the actor is the talker.
    Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock_talk(talk)
        _require(not locked.is_signed, _signed_message(locked), "signed")
        _require(locked.case.is_open, _wrong_state(locked.case))
        _allow(permissions.can_sign_talk(person, locked))
        locked.signed_at = timezone.now()
        locked.save(update_fields=["signed_at"])
        _audit(person, "talk.sign", locked, f"signed talk #{locked.pk} of case #{locked.case_id}")
        _request_record(person, locked)
    return locked


def talk_acknowledge(*, actor: AnyUser, talk: Talk, dissent: str = "") -> Talk:
    """The cadre acknowledges a signed talk record (阅知), or records their dissent (异议) in `dissent`.

    Answered once; the PDF is rendered again with the answer.
    Requires: the record is signed and not yet answered; the actor is the cadre talked to.
    Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock_talk(talk)
        _require(locked.is_signed, _("The talker has not signed this record yet."), "unsigned")
        _require(not locked.is_answered, _("You have already answered this talk record."), "answered")
        _allow(permissions.can_acknowledge_talk(person, locked))
        dissent = (dissent or "").strip()
        locked.acknowledgement = Acknowledgement.DISSENT if dissent else Acknowledgement.ACKNOWLEDGED
        locked.dissent = dissent
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["acknowledgement", "dissent", "acknowledged_at"])
        answer = "recorded dissent on" if dissent else "acknowledged"
        _audit(
            person, "talk.acknowledge", locked, f"the cadre {answer} talk #{locked.pk}", answer=locked.acknowledgement
        )
        _request_record(person, locked, key="answered")
    return locked


def _request_record(actor: User, talk: Talk, key: str = "") -> None:
    title = f"谈话记录 · {talk.subject_name} · {timezone.localtime(talk.held_at):%Y-%m-%d}"
    document_request(actor=actor, kind=TALK_RECORD_KIND, obj=talk, title=title, key=key)


# --- commitments, plans and care measures --------------------------------------------------------------


def commitment_add(
    *, actor: AnyUser, case: RectificationCase, text: str, deadline: date | None, talk: Talk | None = None
) -> Commitment:
    """Add a follow-up commitment to the case (or to one of its unsigned talks).

    Requires: the case is confirmed and open; the actor is its leader or the organization department;
    a talk given is the case's and unsigned; the deadline not before the talk's day (without a talk: not
    in the past). Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state in SUPPORT_STATES, _wrong_state(locked))
        _allow(permissions.can_add_commitment_case(person, locked))
        if talk is not None:
            talk = _lock_talk(talk)
            if talk.case_id != locked.pk:
                raise ValidationError({"talk": _("That talk belongs to another case.")})
            _require(not talk.is_signed, _signed_message(talk), "signed")
        text = _text(text, "text", _("Write the commitment."))[:500]
        check_deadline(deadline, talk_day=timezone.localdate(talk.held_at) if talk is not None else None)
        commitment = Commitment.objects.create(case=locked, talk=talk, text=text, deadline=deadline, created_by=person)
        _audit(person, "case.commitment_add", locked, f"added commitment #{commitment.pk} to case #{locked.pk}")
    return commitment


def commitment_mark_done(*, actor: AnyUser, commitment: Commitment) -> Commitment:
    """Check a commitment off as done.

    Requires: it is open and its case is open; the leader in charge or the organization department.
    Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("case__cadre", "case__unit")
            .get(pk=commitment.pk)
        )
        _require(locked.status == CommitmentStatus.OPEN, _("This commitment is already done."), "done")
        _require(locked.case.is_open, _wrong_state(locked.case))
        _allow(permissions.can_mark_commitment_done(person, locked))
        locked.status = CommitmentStatus.DONE
        locked.done_at = timezone.now()
        locked.done_by = person
        locked.save(update_fields=["status", "done_at", "done_by"])
        _audit(person, "case.commitment_done", locked.case, f"commitment #{locked.pk} of case #{locked.case_id} done")
    return locked


def plan_create(
    *, actor: AnyUser, case: RectificationCase, measures: str, period_months: int = DEFAULT_PERIOD_MONTHS
) -> RectificationPlan:
    """Draw up the rectification plan (整改方案): the measures and the period's length (default 6 months).

    The latest plan counts; a new one after an escalation sets the next period.
    Requires: the case is in talks or escalated; the leader in charge or the organization department.
    Raises InvalidTransition, PermissionDenied, ValidationError (no measures, a period outside 1–24 months).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state in PLAN_STATES, _wrong_state(locked))
        _allow(permissions.can_plan_case(person, locked))
        measures = _text(measures, "measures", _("Write the rectification measures."))
        months = _months(period_months, DEFAULT_PERIOD_MONTHS)
        plan = RectificationPlan.objects.create(case=locked, measures=measures, period_months=months, created_by=person)
        _audit(person, "case.plan", locked, f"plan #{plan.pk} for case #{locked.pk}, {months} months", months=months)
    return plan


def care_measure_add(
    *, actor: AnyUser, case: RectificationCase, kind: str, description: str, on: date | None = None
) -> CareMeasure:
    """Record a care or incentive measure (评优评先资格, 工会慰问, 结对帮扶, 培训), dated and attributed.

    Requires: the case is confirmed and open; the leader in charge or the organization department.
    Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state in SUPPORT_STATES, _wrong_state(locked))
        _allow(permissions.can_add_care_case(person, locked))
        if kind not in CareKind.values:
            raise ValidationError({"kind": _("Choose the kind of measure.")})
        description = _text(description, "description", _("Describe the measure."))
        measure = CareMeasure.objects.create(
            case=locked, kind=kind, description=description, on=on or _today(), recorded_by=person
        )
        _audit(person, "case.care", locked, f"{kind} care measure #{measure.pk} for case #{locked.pk}", kind=kind)
    return measure


# --- the rectification period and verification ---------------------------------------------------------


def latest_plan(case: RectificationCase) -> RectificationPlan | None:
    return RectificationPlan.objects.filter(case=case).order_by("-created_at", "-pk").first()


def case_start_rectifying(*, actor: AnyUser, case: RectificationCase, start: date | None = None) -> RectificationCase:
    """Start the rectification period: from `start` (today) for the latest plan's months (default 6).

    Requires: state talks; at least one talk signed by its talker; a rectification plan and at least one
    commitment with a deadline; the leader in charge or the organization department.
    Raises InvalidTransition (naming what is missing), PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state == CaseState.TALKING, _wrong_state(locked))
        _require(locked.has_signed_talk(), _("At least one talk record must be signed by the talker first."), "talk")
        _require(locked.plans.exists(), _("A rectification plan must be drawn up first."), "plan")
        _require(
            locked.commitments.filter(deadline__isnull=False).exists(),
            _("At least one commitment with a deadline is needed."),
            "commitment",
        )
        _allow(permissions.can_start_rectifying_case(person, locked))
        plan = latest_plan(locked)
        months = plan.period_months if plan is not None else DEFAULT_PERIOD_MONTHS
        first = start or _today()
        locked.start_rectifying(start=first, end=add_months(first, months))
        _save(locked)
        _audit(
            person, "case.start_rectifying", locked,
            f"case #{locked.pk} rectifying from {locked.period_start} to {locked.period_end}",
            start=str(locked.period_start), end=str(locked.period_end),
        )  # fmt: skip
    return locked


def case_move_to_verifying(*, actor: AnyUser, case: RectificationCase) -> RectificationCase:
    """End the rectification period early and start verification (the organization department).

    Requires: state rectifying; org_admin of the subtree. Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.move_to_verifying), _wrong_state(locked))
        _allow(permissions.can_move_to_verifying_case(person, locked))
        locked.move_to_verifying(at=timezone.now())
        _save(locked)
        _audit(person, "case.verify", locked, f"case #{locked.pk} moved to verification early")
        call_on_commit(_enqueue_verification_notice, locked.pk)
    return locked


def case_period_ended(*, case: RectificationCase | int, today: date | None = None) -> RectificationCase:
    """The scheduled job: a case whose rectification period has ended moves to verification.

    Tells the leader in charge and the organization department by email on commit. Acts as the system.
    Requires: state rectifying and `period_end` before `today`. Raises InvalidTransition otherwise (the
    task skips those: another run, or a person, moved the case first).
    """
    day = today or _today()
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.move_to_verifying), _wrong_state(locked))
        _require(
            locked.period_end is not None and locked.period_end < day,
            _("The rectification period of case #%(pk)s has not ended yet.") % {"pk": locked.pk},
            "period",
        )
        locked.move_to_verifying(at=timezone.now())
        _save(locked)
        _audit(None, "case.verify", locked, f"case #{locked.pk} moved to verification: its period ended")
        call_on_commit(_enqueue_verification_notice, locked.pk)
    return locked


def cases_move_past_period(*, today: date | None = None) -> int:
    """Move every case whose period ended to verification, each in its own transaction. Idempotent.

    Returns how many moved. A case moved meanwhile by someone else is skipped.
    """
    day = today or _today()
    moved = 0
    for pk in RectificationCase.objects.past_period_unscoped(day).values_list("pk", flat=True).order_by("pk"):
        try:
            case_period_ended(case=pk, today=day)
        except InvalidTransition:
            continue
        moved += 1
    return moved


def _enqueue_verification_notice(case_id: int) -> None:
    from cases.rectification.tasks import notify_case_in_verification

    notify_case_in_verification.delay(case_id)


def _org_admins_over(case: RectificationCase) -> list[User]:
    return list(role_holders(Role.ORG_ADMIN, case.unit))


def case_verification_notify(*, case_id: int) -> int:
    """Email the leader in charge and the organization department that the case is in verification.

    The message names only the case number and its page, nothing about the cadre's conduct. Returns
    how many people were written to (those with an email address).
    """
    case = RectificationCase.objects.select_related("unit", "leader").filter(pk=case_id).first()
    if case is None or case.state != CaseState.VERIFYING:
        return 0
    people = {user.pk: user for user in _org_admins_over(case)}
    if case.leader is not None:
        people[case.leader.pk] = case.leader
    recipients = sorted({user.email for user in people.values() if user.email})
    if not recipients:
        return 0
    path = reverse("cases:rectification:detail", kwargs={"pk": case.pk})
    send_mail(
        subject=f"整治案件 #{case.pk} 进入核查 / Case #{case.pk} is in verification",
        message=f"整治期已结束，请安排核查。/ The rectification period has ended; please arrange verification.\n{path}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)


def case_close_rectified(*, actor: AnyUser, case: RectificationCase) -> RectificationCase:
    """Close the case as rectified (销号) and write the `case_closed` mark.

    Requires: state verifying; an executed unannounced visit with the verdict "improved"
    (`verdicts.has_improved_visit`, False until visits exist); org_admin of the subtree.
    Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state == CaseState.VERIFYING, _wrong_state(locked))
        _require(
            verdicts.has_improved_visit(locked),
            _("销号 needs at least one executed unannounced visit with the verdict “improved”."),
            "verdict",
        )
        _allow(permissions.can_close_case(person, locked))
        now = timezone.now()
        locked.close_rectified(at=now)
        _save(locked)
        _close_mark(locked, "closed, rectified (销号)")
        _audit(person, "case.close_rectified", locked, f"closed case #{locked.pk} as rectified (销号)")
        # Imported here: circulars.py imports this module's helpers.
        from cases.rectification import circulars

        circulars.flag_for_withdrawal(locked)
    return locked


def _close_mark(case: RectificationCase, note: str) -> CadreMark:
    _end_target_mark(case)
    day = _today()
    return _mark(
        case, MarkKind.CASE_CLOSED, valid_from=day, valid_until=add_months(day, RELAPSE_WINDOW_MONTHS), note=note
    )


def case_escalate(
    *,
    actor: AnyUser,
    case: RectificationCase,
    measure: str,
    note: str,
    effect_until: date | None = None,
) -> RectificationCase:
    """Escalate after an unfavourable verification: record the handling measure from the ladder and
    write a `sanction` mark in effect until `effect_until` (default: the end of this year).

    Requires: state verifying; a visit with the verdict "unchanged" or "worse"
    (`verdicts.has_unimproved_visit`, False until visits exist); org_admin of the subtree.
    Raises InvalidTransition, PermissionDenied, ValidationError (no measure or note).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(locked.state == CaseState.VERIFYING, _wrong_state(locked))
        _require(
            verdicts.has_unimproved_visit(locked),
            _("Escalation needs an executed unannounced visit with the verdict “unchanged” or “worse”."),
            "verdict",
        )
        _allow(permissions.can_escalate_case(person, locked))
        if measure not in HandlingMeasure.values:
            raise ValidationError({"measure": _("Choose the handling measure.")})
        note = _text(note, "note", _("Describe the handling decision."))
        locked.escalate(measure=measure, note=note)
        _save(locked)
        day = _today()
        until = effect_until or date(day.year, 12, 31)
        _mark(locked, MarkKind.SANCTION, valid_from=day, valid_until=until, note=str(HandlingMeasure(measure).label))
        _audit(person, "case.escalate", locked, f"escalated case #{locked.pk}: {measure}", measure=measure)
    return locked


def case_restart_rectifying(
    *, actor: AnyUser, case: RectificationCase, period_months: int | None = None
) -> RectificationCase:
    """After an escalation, a new rectification period from today (the latest plan's months, or given).

    Requires: state escalated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError (period).
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.restart_rectifying), _wrong_state(locked))
        _allow(permissions.can_close_case(person, locked))
        plan = latest_plan(locked)
        months = _months(period_months, plan.period_months if plan is not None else DEFAULT_PERIOD_MONTHS)
        first = _today()
        locked.restart_rectifying(start=first, end=add_months(first, months))
        _save(locked)
        _audit(
            person, "case.restart", locked, f"case #{locked.pk}: a new rectification period until {locked.period_end}",
            end=str(locked.period_end),
        )  # fmt: skip
    return locked


def case_close_handled(*, actor: AnyUser, case: RectificationCase) -> RectificationCase:
    """Close an escalated case once it has been handled, and write the `case_closed` mark.

    Requires: state escalated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.close_handled), _wrong_state(locked))
        _allow(permissions.can_close_case(person, locked))
        locked.close_handled(at=timezone.now())
        _save(locked)
        _close_mark(locked, "closed after handling (处理办结)")
        _audit(person, "case.close_handled", locked, f"closed case #{locked.pk} after handling")
    return locked


def case_withdraw(*, actor: AnyUser, case: RectificationCase, reason: str, note: str = "") -> RectificationCase:
    """Withdraw an open case (retired, transferred, deceased, other — `other` needs a note).

    Requires: the case is open; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError.
    """
    person = _person(actor)
    with transaction.atomic():
        locked = _lock(case)
        _require(can_proceed(locked.withdraw), _wrong_state(locked))
        _allow(permissions.can_withdraw_case(person, locked))
        if reason not in WithdrawalReason.values:
            raise ValidationError({"reason": _("Choose the reason for withdrawal.")})
        note = (note or "").strip()
        if reason == WithdrawalReason.OTHER and not note:
            raise ValidationError({"note": _("Explain the reason.")})
        locked.withdraw(reason=reason, note=note, at=timezone.now())
        _save(locked)
        _end_target_mark(locked)
        _audit(person, "case.withdraw", locked, f"withdrew case #{locked.pk}: {reason}", reason=reason)
    return locked
