"""Every write to unannounced visits (暗访): plans, sealing, observations with attachments, the verdict.

Same pattern as `services.py`: lock, state check (→ InvalidTransition, 409), predicate (→ PermissionDenied,
403), write, audit in the same transaction. The plan is sealed from everyone but its team and the
organization department: audit summaries and data name the plan and the case, never the window, the
drawn date or the method, because the audit trail is read more widely than the plan.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.matters.attachments import JPEG, PDF, PNG, validate_attachment
from cases.matters.workdays import is_working_day
from cases.rectification import permissions
from cases.rectification.models import RectificationCase
from cases.rectification.services import audit, lock_case, lock_case_record, require, wrong_state_message
from cases.rectification.visit_models import VISIT_STATES, VisitAttachment, VisitObservation, VisitPlan, VisitVerdict
from project.org.models import User
from project.service_checks import acting_person, allow, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser

# Photos and scans only: a visit's evidence is what the team saw.
VISIT_ATTACHMENT_TYPES = (PDF, JPEG, PNG)
# The draw is a secret: a predictable generator would let someone who knows the window guess the day.
_random = secrets.SystemRandom()
# An inspector's phone may run a little ahead of the server: a time typed as "now" is not in the future.
CLOCK_SKEW = timedelta(minutes=5)


def working_days_between(start: date, end: date) -> list[date]:
    """The working days (Chinese calendar, 调休 included) from `start` to `end`, both included."""
    days = []
    day = start
    while day <= end:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _check_observed_at(plan: VisitPlan, observed_at: datetime) -> None:
    """An observation is of something seen: not in the future, and inside the visit window."""
    if timezone.is_naive(observed_at):
        observed_at = timezone.make_aware(observed_at)
    if observed_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"observed_at": _("The time of the observation cannot be in the future.")})
    if timezone.localdate(observed_at) < plan.window_start:
        raise ValidationError(
            {
                "observed_at": _("The time of the observation cannot be before the visit window opens (%(day)s).")
                % {"day": plan.window_start.isoformat()}
            }
        )
    # What was seen is dated when it was seen (it may be written up later): inside the window.
    if timezone.localdate(observed_at) > plan.window_end:
        raise ValidationError(
            {
                "observed_at": _("The time of the observation cannot be after the visit window closed (%(day)s).")
                % {"day": plan.window_end.isoformat()}
            }
        )


def _check_window_open(plan: VisitPlan) -> None:
    """A verdict is given after the visit: not before the first day of its window."""
    if timezone.localdate() < plan.window_start:
        raise ValidationError(
            {
                "verdict": _("The verdict cannot be recorded before the visit window opens (%(day)s).")
                % {"day": plan.window_start.isoformat()}
            }
        )


def _lock_plan(plan: VisitPlan) -> VisitPlan:
    """The plan locked after its case (`lock_case_record`), and the case still one whose visits go on: sealing,
    observing and the verdict stop once it is closed, withdrawn or back before its period."""
    locked = lock_case_record(plan)
    require(
        locked.case.state in VISIT_STATES,
        _("The case is %(state)s: its unannounced visits are over.") % {"state": locked.case.get_state_display()},
    )
    return locked


def visit_plan_create(
    *,
    actor: AnyUser,
    case: RectificationCase,
    team: Sequence[User],
    window_start: date,
    window_end: date,
    method: str,
) -> VisitPlan:
    """Plan an unannounced visit: the team (inspectors over the case's unit), the window and the method.

    The plan has no date until it is sealed. Requires: the case is rectifying, verifying or escalated;
    the organization department of the subtree (not the cadre, not the leader in charge).
    Raises InvalidTransition, PermissionDenied, ValidationError (team, window, method).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state in VISIT_STATES, wrong_state_message(locked))
        allow(permissions.can_plan_visit_case(person, locked))
        method = required_text(method, "method", _("Describe how the visit is carried out."))
        members = list({user.pk: user for user in team}.values())
        if not members:
            raise ValidationError({"team": _("Choose at least one inspector.")})
        if not all(permissions.can_join_visit_team(user, locked) for user in members):
            raise ValidationError({"team": _("Every team member must be an inspector over the cadre's unit.")})
        if window_end < window_start:
            raise ValidationError({"window_end": _("The window must end on or after its first day.")})
        if window_start < timezone.localdate():
            raise ValidationError({"window_start": _("The window cannot start in the past.")})
        if not working_days_between(window_start, window_end):
            raise ValidationError({"window_end": _("The window must contain at least one working day.")})
        plan = VisitPlan.objects.create(
            case=locked, window_start=window_start, window_end=window_end, method=method, created_by=person
        )
        plan.team.set(members)
        audit(person, "visit.plan", plan, f"planned visit #{plan.pk} of case #{locked.pk}")
    return plan


def visit_plan_seal(*, actor: AnyUser, plan: VisitPlan) -> VisitPlan:
    """Seal the plan and draw its date at random among the working days of the window.

    The audit event says only that the plan was sealed. Requires: not sealed yet; the window still has
    a working day from today; the organization department of the subtree.
    Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = _lock_plan(plan)
        require(not locked.is_sealed, _("This visit plan is already sealed."), "sealed")
        allow(permissions.can_seal_visit(person, locked))
        days = working_days_between(max(locked.window_start, timezone.localdate()), locked.window_end)
        require(bool(days), _("The window has no working day left; plan a new visit."), "window")
        locked.visit_date = _random.choice(days)
        locked.sealed_at = timezone.now()
        locked.save(update_fields=["visit_date", "sealed_at"])
        audit(person, "visit.seal", locked, f"sealed visit #{locked.pk} of case #{locked.case_id}")
    return locked


def visit_observation_add(
    *,
    actor: AnyUser,
    plan: VisitPlan,
    text: str,
    observed_at: datetime | None = None,
    files: Sequence[UploadedFile] = (),
) -> VisitObservation:
    """Record a time-stamped observation, with photos or scans (PDF, JPEG, PNG within MAX_UPLOAD_BYTES).

    Requires: the plan is sealed and not executed; a member of its team.
    Raises InvalidTransition, PermissionDenied, ValidationError (no text, a time in the future or before
    the window opens, a file of the wrong kind or size).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = _lock_plan(plan)
        require(locked.is_sealed, _("The plan must be sealed before the visit."), "not_sealed")
        require(not locked.is_executed, _("This visit is finished; its record is closed."), "executed")
        allow(permissions.can_observe_visit(person, locked))
        text = required_text(text, "text", _("Write what was observed."))
        observed_at = observed_at or timezone.now()
        _check_observed_at(locked, observed_at)
        checked = []
        only_visit_types = _("Only PDF, JPEG and PNG files can be attached to a visit.")
        for upload in files:
            try:
                content_type = validate_attachment(upload)
            except ValidationError as error:
                # The general check names the matters' types too (Word, Excel); a visit takes fewer.
                wrong_type = getattr(error, "code", None) == "type"
                raise ValidationError({"files": [only_visit_types] if wrong_type else error.messages}) from None
            if content_type not in VISIT_ATTACHMENT_TYPES:
                raise ValidationError({"files": only_visit_types})
            checked.append((upload, content_type))
        observation = VisitObservation.objects.create(
            plan=locked, observed_at=observed_at, text=text, recorded_by=person
        )
        for upload, content_type in checked:
            VisitAttachment.objects.create(
                observation=observation,
                file=upload,
                name=(upload.name or "attachment")[:200],
                content_type=content_type,
                size=upload.size or 0,
                uploaded_by=person,
            )
        audit(
            person, "visit.observe", locked,
            f"observation #{observation.pk} on visit #{locked.pk}, {len(checked)} attachments",
        )  # fmt: skip
    return observation


def visit_execute(*, actor: AnyUser, plan: VisitPlan, verdict: str, note: str = "") -> VisitPlan:
    """Finish the visit with its verdict (有改进 / 无变化 / 变差), which verification then reads.

    Requires: the plan is sealed and not executed; a member of its team.
    Raises InvalidTransition, PermissionDenied, ValidationError (no verdict, the window not open yet).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = _lock_plan(plan)
        require(locked.is_sealed, _("The plan must be sealed before the visit."), "not_sealed")
        require(not locked.is_executed, _("This visit already has its verdict."), "executed")
        allow(permissions.can_execute_visit(person, locked))
        if verdict not in VisitVerdict.values:
            raise ValidationError({"verdict": _("Choose the verdict.")})
        _check_window_open(locked)
        locked.verdict = verdict
        locked.verdict_note = (note or "").strip()
        locked.executed_at = timezone.now()
        locked.save(update_fields=["verdict", "verdict_note", "executed_at"])
        audit(
            person, "visit.execute", locked, f"visit #{locked.pk} of case #{locked.case_id}: {verdict}", verdict=verdict
        )
    return locked
