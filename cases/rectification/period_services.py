"""Writes that move a case through its rectification period and to its end: the start of the period, the move
to verification (by the daily job or by hand), closure (销号 or after handling), escalation with a handling
measure, a new period, and withdrawal.

The same rules as every service of cases.rectification.services (lock, state, permission, audit, side effects on
commit); the helpers are that module's, and so are the marks for the evaluations that closing writes.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases.matters.workdays import add_months
from cases.rectification import permissions, verdicts
from cases.rectification.exceptions import InvalidTransition
from cases.rectification.models import (
    CaseState,
    HandlingMeasure,
    RectificationCase,
    RectificationPlan,
    WithdrawalReason,
)
from cases.rectification.services import (
    DEFAULT_PERIOD_MONTHS,
    audit,
    checked_period_months,
    end_target_mark,
    lock_case,
    require,
    save_case,
    write_mark,
    wrong_state_message,
)
from evaluations.scoring import RELAPSE_WINDOW_MONTHS
from project.oncommit import call_on_commit
from project.org.models import CadreMark, MarkKind, Role, User
from project.org.selectors import role_holders
from project.service_checks import acting_person, allow, required_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


# --- the rectification period and verification ---------------------------------------------------------


def latest_plan(case: RectificationCase) -> RectificationPlan | None:
    return RectificationPlan.objects.filter(case=case).order_by("-created_at", "-pk").first()


def case_start_rectifying(*, actor: AnyUser, case: RectificationCase, start: date | None = None) -> RectificationCase:
    """Start the rectification period: from `start` (today) for the latest plan's months (default 6).

    Requires: state talks; at least one talk signed by its talker; a rectification plan and at least one
    commitment with a deadline; the leader in charge or the organization department.
    Raises InvalidTransition (naming what is missing), PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state == CaseState.TALKING, wrong_state_message(locked))
        require(locked.has_signed_talk(), _("At least one talk record must be signed by the talker first."), "talk")
        require(locked.plans.exists(), _("A rectification plan must be drawn up first."), "plan")
        require(
            locked.commitments.filter(deadline__isnull=False).exists(),
            _("At least one commitment with a deadline is needed."),
            "commitment",
        )
        allow(permissions.can_start_rectifying_case(person, locked))
        plan = latest_plan(locked)
        months = plan.period_months if plan is not None else DEFAULT_PERIOD_MONTHS
        first = start or timezone.localdate()
        locked.start_rectifying(start=first, end=add_months(first, months))
        save_case(locked)
        audit(
            person, "case.start_rectifying", locked,
            f"case #{locked.pk} rectifying from {locked.period_start} to {locked.period_end}",
            start=str(locked.period_start), end=str(locked.period_end),
        )  # fmt: skip
    return locked


def case_move_to_verifying(*, actor: AnyUser, case: RectificationCase) -> RectificationCase:
    """End the rectification period early and start verification (the organization department).

    Requires: state rectifying; org_admin of the subtree. Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.move_to_verifying), wrong_state_message(locked))
        allow(permissions.can_move_to_verifying_case(person, locked))
        locked.move_to_verifying(at=timezone.now())
        save_case(locked)
        audit(person, "case.verify", locked, f"case #{locked.pk} moved to verification early")
        call_on_commit(_enqueue_verification_notice, locked.pk)
    return locked


def case_period_ended(*, case: RectificationCase | int, today: date | None = None) -> RectificationCase:
    """The scheduled job: a case whose rectification period has ended moves to verification.

    Tells the leader in charge and the organization department by email on commit. Acts as the system.
    Requires: state rectifying and `period_end` before `today`. Raises InvalidTransition otherwise (the
    task skips those: another run, or a person, moved the case first).
    """
    day = today or timezone.localdate()
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.move_to_verifying), wrong_state_message(locked))
        require(
            locked.period_end is not None and locked.period_end < day,
            _("The rectification period of case #%(pk)s has not ended yet.") % {"pk": locked.pk},
            "period",
        )
        locked.move_to_verifying(at=timezone.now())
        save_case(locked)
        audit(None, "case.verify", locked, f"case #{locked.pk} moved to verification: its period ended")
        call_on_commit(_enqueue_verification_notice, locked.pk)
    return locked


def cases_move_past_period(*, today: date | None = None) -> int:
    """Move every case whose period ended to verification, each in its own transaction. Idempotent.

    Returns how many moved. A case moved meanwhile by someone else is skipped.
    """
    day = today or timezone.localdate()
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state == CaseState.VERIFYING, wrong_state_message(locked))
        require(
            verdicts.has_improved_visit(locked),
            _("Closing as rectified (销号) needs at least one executed unannounced visit with the verdict “improved”."),
            "verdict",
        )
        allow(permissions.can_close_case(person, locked))
        now = timezone.now()
        locked.close_rectified(at=now)
        save_case(locked)
        _close_mark(locked, "closed, rectified (销号)")
        # Imported here: circulars.py imports this module's helpers.
        from cases.rectification import circulars

        # Before the audit event: its chain lock is held until commit, and a withdrawal holding a circular's
        # row would wait for it while this waited for that row (a deadlock, seen on PostgreSQL).
        circulars.flag_for_withdrawal(locked)
        audit(person, "case.close_rectified", locked, f"closed case #{locked.pk} as rectified (销号)")
    return locked


def _close_mark(case: RectificationCase, note: str) -> CadreMark:
    end_target_mark(case)
    day = timezone.localdate()
    return write_mark(
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
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(locked.state == CaseState.VERIFYING, wrong_state_message(locked))
        require(
            verdicts.has_unimproved_visit(locked),
            _("Escalation needs an executed unannounced visit with the verdict “unchanged” or “worse”."),
            "verdict",
        )
        allow(permissions.can_escalate_case(person, locked))
        if measure not in HandlingMeasure.values:
            raise ValidationError({"measure": _("Choose the handling measure.")})
        note = required_text(note, "note", _("Describe the handling decision."))
        locked.escalate(measure=measure, note=note)
        save_case(locked)
        day = timezone.localdate()
        until = effect_until or date(day.year, 12, 31)
        write_mark(
            locked, MarkKind.SANCTION, valid_from=day, valid_until=until, note=str(HandlingMeasure(measure).label)
        )
        audit(person, "case.escalate", locked, f"escalated case #{locked.pk}: {measure}", measure=measure)
    return locked


def case_restart_rectifying(
    *, actor: AnyUser, case: RectificationCase, period_months: int | None = None
) -> RectificationCase:
    """After an escalation, a new rectification period from today (the latest plan's months, or given).

    Requires: state escalated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError (period).
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.restart_rectifying), wrong_state_message(locked))
        allow(permissions.can_close_case(person, locked))
        plan = latest_plan(locked)
        months = checked_period_months(period_months, plan.period_months if plan is not None else DEFAULT_PERIOD_MONTHS)
        first = timezone.localdate()
        locked.restart_rectifying(start=first, end=add_months(first, months))
        save_case(locked)
        audit(
            person, "case.restart", locked, f"case #{locked.pk}: a new rectification period until {locked.period_end}",
            end=str(locked.period_end),
        )  # fmt: skip
    return locked


def case_close_handled(*, actor: AnyUser, case: RectificationCase) -> RectificationCase:
    """Close an escalated case once it has been handled, and write the `case_closed` mark.

    Requires: state escalated; org_admin of the subtree. Raises InvalidTransition, PermissionDenied.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.close_handled), wrong_state_message(locked))
        allow(permissions.can_close_case(person, locked))
        locked.close_handled(at=timezone.now())
        save_case(locked)
        _close_mark(locked, "closed after handling (处理办结)")
        audit(person, "case.close_handled", locked, f"closed case #{locked.pk} after handling")
    return locked


def case_withdraw(*, actor: AnyUser, case: RectificationCase, reason: str, note: str = "") -> RectificationCase:
    """Withdraw an open case (retired, transferred, deceased, other — `other` needs a note).

    Requires: the case is open; org_admin of the subtree. Raises InvalidTransition, PermissionDenied,
    ValidationError.
    """
    person = acting_person(actor)
    with transaction.atomic():
        locked = lock_case(case)
        require(can_proceed(locked.withdraw), wrong_state_message(locked))
        allow(permissions.can_withdraw_case(person, locked))
        if reason not in WithdrawalReason.values:
            raise ValidationError({"reason": _("Choose the reason for withdrawal.")})
        note = (note or "").strip()
        if reason == WithdrawalReason.OTHER and not note:
            raise ValidationError({"note": _("Explain the reason.")})
        locked.withdraw(reason=reason, note=note, at=timezone.now())
        save_case(locked)
        end_target_mark(locked)
        audit(person, "case.withdraw", locked, f"withdrew case #{locked.pk}: {reason}", reason=reason)
    return locked
