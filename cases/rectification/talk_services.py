"""Writes to the leader's records of a case: talks (recorded, corrected, signed, acknowledged), their
commitments, the rectification plan and the care and incentive measures.

The same rules as every service of cases.rectification.services (lock, state, permission, audit, side effects on
commit); the helpers are that module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.rectification import permissions
from cases.rectification.exceptions import AlreadyRecorded
from cases.rectification.models import (
    PLAN_STATES,
    SUPPORT_STATES,
    TALK_STATES,
    Acknowledgement,
    CareKind,
    CareMeasure,
    Commitment,
    CommitmentStatus,
    RectificationCase,
    RectificationPlan,
    Talk,
    TalkKind,
)
from cases.rectification.services import (
    DEFAULT_PERIOD_MONTHS,
    TALK_RECORD_KIND,
    audit,
    checked_period_months,
    lock_case,
    lock_case_record,
    require,
    wrong_state_message,
)
from project.documents.services import document_request
from project.org.models import Cadre, User
from project.service_checks import acting_person, allow, column_length, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


# --- talks ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentInput:
    text: str
    deadline: date | None


def _card(cadre: Cadre | None, fallback_name: str) -> tuple[str, str, str]:
    """(name, unit, post) copied from the roster."""
    if cadre is None:
        return fallback_name, "", ""
    return cadre.name, cadre.unit.name, cadre.post


# Said alike of a cadre the person may not see and of an id that names nobody (the API): ids are not told apart.
RECORDER_ELSEWHERE = gettext_lazy("Choose the recorder from the cadres of your units.")


def _check_recorder(person: User, case: RectificationCase, recorder: Cadre) -> None:
    if recorder.pk == case.cadre_id or not Cadre.objects.visible_to(person).filter(pk=recorder.pk).exists():
        raise ValidationError({"recorder": RECORDER_ELSEWHERE})


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
        if deadline < timezone.localdate():
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


# The most follow-up commitments one talk records (the talk form offers as many); the longest texts (the columns).
COMMITMENTS_PER_TALK_MAX = 20
COMMITMENT_MAX_LENGTH = column_length(Commitment, "text")
PLACE_MAX_LENGTH = column_length(Talk, "place")


def _commitments(inputs: Sequence[CommitmentInput]) -> list[CommitmentInput]:
    """The commitments with a text (blank rows are the form's spare ones), each checked."""
    cleaned: list[CommitmentInput] = []
    for item in inputs:
        text = (item.text or "").strip()
        if not text:
            continue
        if len(text) > COMMITMENT_MAX_LENGTH:
            message = _("A commitment must be at most %(limit)s characters long.")
            raise ValidationError({"commitments": message % {"limit": COMMITMENT_MAX_LENGTH}})
        if len(cleaned) == COMMITMENTS_PER_TALK_MAX:
            message = _("A talk records at most %(limit)s commitments; add more later on the plan page.")
            raise ValidationError({"commitments": message % {"limit": COMMITMENTS_PER_TALK_MAX}})
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state in TALK_STATES, wrong_state_message(locked))
        allow(permissions.can_record_talk_case(person, locked))
        _check_kind(kind)
        place = required_text(place, "place", _("Say where the talk took place."), limit=PLACE_MAX_LENGTH)
        purpose = required_text(purpose, "purpose", _("Give the reason for the talk (事由)."))
        content = required_text(content, "content", _("Record the main content."))
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
            place=place,
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
        audit(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case_record(talk)
        require(not locked.is_signed, _signed_message(locked), "signed")
        allow(permissions.can_edit_talk(person, locked))
        _check_kind(kind)
        locked.kind = kind
        locked.place = required_text(place, "place", _("Say where the talk took place."), limit=PLACE_MAX_LENGTH)
        locked.purpose = required_text(purpose, "purpose", _("Give the reason for the talk (事由)."))
        locked.content = required_text(content, "content", _("Record the main content."))
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
        audit(person, "talk.update", locked, f"corrected talk #{locked.pk} of case #{locked.case_id}")
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case_record(talk)
        require(not locked.is_signed, _signed_message(locked), "signed")
        require(locked.case.is_open, wrong_state_message(locked.case))
        allow(permissions.can_sign_talk(person, locked))
        locked.signed_at = timezone.now()
        locked.save(update_fields=["signed_at"])
        audit(person, "talk.sign", locked, f"signed talk #{locked.pk} of case #{locked.case_id}")
        _request_record(person, locked)
    return locked


def talk_acknowledge(*, actor: AnyUser, talk: Talk, dissent: str = "") -> Talk:
    """The cadre acknowledges a signed talk record (阅知), or records their dissent (异议) in `dissent`.

    Answered once; the PDF is rendered again with the answer.
    Requires: the record is signed and not yet answered; the actor is the cadre talked to.
    Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case_record(talk)
        require(locked.is_signed, _("The talker has not signed this record yet."), "unsigned")
        require(not locked.is_answered, _("You have already answered this talk record."), "answered")
        allow(permissions.can_acknowledge_talk(person, locked))
        dissent = (dissent or "").strip()
        locked.acknowledgement = Acknowledgement.DISSENT if dissent else Acknowledgement.ACKNOWLEDGED
        locked.dissent = dissent
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["acknowledgement", "dissent", "acknowledged_at"])
        answer = "recorded dissent on" if dissent else "acknowledged"
        audit(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state in SUPPORT_STATES, wrong_state_message(locked))
        allow(permissions.can_add_commitment_case(person, locked))
        if talk is not None:
            talk = lock_case_record(talk)
            if talk.case_id != locked.pk:
                raise ValidationError({"talk": _("That talk belongs to another case.")})
            require(not talk.is_signed, _signed_message(talk), "signed")
        text = required_text(text, "text", _("Write the commitment."), limit=COMMITMENT_MAX_LENGTH)
        check_deadline(deadline, talk_day=timezone.localdate(talk.held_at) if talk is not None else None)
        commitment = Commitment.objects.create(case=locked, talk=talk, text=text, deadline=deadline, created_by=person)
        audit(person, "case.commitment_add", locked, f"added commitment #{commitment.pk} to case #{locked.pk}")
    return commitment


def commitment_mark_done(*, actor: AnyUser, commitment: Commitment) -> Commitment:
    """Check a commitment off as done.

    Requires: it is open and its case is open; the leader in charge or the organization department.
    Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case_record(commitment)
        require(locked.status == CommitmentStatus.OPEN, _("This commitment is already done."), "done")
        require(locked.case.is_open, wrong_state_message(locked.case))
        allow(permissions.can_mark_commitment_done(person, locked))
        locked.status = CommitmentStatus.DONE
        locked.done_at = timezone.now()
        locked.done_by = person
        locked.save(update_fields=["status", "done_at", "done_by"])
        audit(person, "case.commitment_done", locked.case, f"commitment #{locked.pk} of case #{locked.case_id} done")
    return locked


def plan_create(
    *, actor: AnyUser, case: RectificationCase, measures: str, period_months: int = DEFAULT_PERIOD_MONTHS
) -> RectificationPlan:
    """Draw up the rectification plan (整改方案): the measures and the period's length (default 6 months).

    The latest plan counts; a new one after an escalation sets the next period.
    Requires: the case is in talks or escalated; the leader in charge or the organization department.
    Raises InvalidTransition, PermissionDenied, ValidationError (no measures, a period outside 1–24 months).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state in PLAN_STATES, wrong_state_message(locked))
        allow(permissions.can_plan_case(person, locked))
        measures = required_text(measures, "measures", _("Write the rectification measures."))
        months = checked_period_months(period_months, DEFAULT_PERIOD_MONTHS)
        plan = RectificationPlan.objects.create(case=locked, measures=measures, period_months=months, created_by=person)
        audit(person, "case.plan", locked, f"plan #{plan.pk} for case #{locked.pk}, {months} months", months=months)
    return plan


def care_measure_add(
    *, actor: AnyUser, case: RectificationCase, kind: str, description: str, on: date | None = None
) -> CareMeasure:
    """Record a care or incentive measure (评优评先资格, 工会慰问, 结对帮扶, 培训), dated and attributed.

    Requires: the case is confirmed and open; the leader in charge or the organization department.
    Raises InvalidTransition, PermissionDenied, ValidationError.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state in SUPPORT_STATES, wrong_state_message(locked))
        allow(permissions.can_add_care_case(person, locked))
        if kind not in CareKind.values:
            raise ValidationError({"kind": _("Choose the kind of measure.")})
        description = required_text(description, "description", _("Describe the measure."))
        measure = CareMeasure.objects.create(
            case=locked, kind=kind, description=description, on=on or timezone.localdate(), recorded_by=person
        )
        audit(person, "case.care", locked, f"{kind} care measure #{measure.pk} for case #{locked.pk}", kind=kind)
    return measure
