"""Daily reminders in Chinese working days (工作日, holidays and 调休 from `cases.matters.workdays`):

- the leader in charge, of talks due: a case in talks with no signed talk, due `TALK_DUE_WORKING_DAYS`
  working days after the leader was assigned;
- the cadre and the leader, of commitments due within `COMMITMENT_WARNING_WORKING_DAYS` working days, and
  again once overdue;
- the visit team, of visits whose drawn date is today or tomorrow (nobody else: the plan is sealed).

Each reminder is an email (Django's mail backend) plus an in-app `Notification` per person. A `CaseReminder`
row with the unique key (kind, object, due date) is written in the same transaction, so running the job
twice — or two workers at once — never sends the same reminder twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from cases.matters.workdays import add_working_days
from cases.rectification.models import (
    OPEN_STATES,
    CaseReminder,
    CaseReminderKind,
    CaseState,
    Commitment,
    CommitmentStatus,
    Notification,
    RectificationCase,
)
from cases.rectification.visit_models import VisitPlan
from project.org.models import User
from project.service_checks import column_length

logger = logging.getLogger(__name__)

TALK_DUE_WORKING_DAYS = 5
COMMITMENT_WARNING_WORKING_DAYS = 3

# The most a notification holds (its column): a longer text ends in "…".
NOTIFICATION_LENGTH = column_length(Notification, "text")


@dataclass(frozen=True)
class Notice:
    recipient: User
    text: str
    url: str


def _send(kind: str, object_id: int, due_on: date, notices: list[Notice]) -> bool:
    """Record the reminder and send it, once. False if it was sent before (or nobody is to be told)."""
    notices = [notice for notice in notices if notice.recipient.is_active]
    if not notices:
        return False
    try:
        with transaction.atomic():
            CaseReminder.objects.create(
                kind=kind, object_id=object_id, due_on=due_on, recipients=[n.recipient.pk for n in notices]
            )
            Notification.objects.bulk_create(
                # A long commitment ends in "…" here (the column's size); the mail and the case page say it whole.
                Notification(recipient=n.recipient, text=Truncator(n.text).chars(NOTIFICATION_LENGTH), url=n.url)
                for n in notices
            )
            # Sent inside the transaction: if the mail server refuses, nothing is recorded and tomorrow's
            # run tries again.
            for notice in notices:
                if notice.recipient.email:
                    send_mail(
                        subject=Truncator(notice.text).chars(120),
                        message=f"{notice.text}\n{notice.url}",
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        recipient_list=[notice.recipient.email],
                    )
    except IntegrityError:
        return False
    return True


def _sent_before(kind: str, object_id: int, due_on: date) -> bool:
    return CaseReminder.objects.filter(kind=kind, object_id=object_id, due_on=due_on).exists()


def _talks_due(today: date) -> int:
    sent = 0
    horizon = add_working_days(today, COMMITMENT_WARNING_WORKING_DAYS)
    cases = (
        RectificationCase.objects.filter(
            state=CaseState.TALKING, leader__isnull=False, leader_assigned_at__isnull=False
        )
        .exclude(talks__signed_at__isnull=False)
        .select_related("leader")
        .order_by("pk")
    )
    for case in cases:
        if case.leader is None or case.leader_assigned_at is None:
            continue
        due = add_working_days(timezone.localdate(case.leader_assigned_at), TALK_DUE_WORKING_DAYS)
        if due > horizon or _sent_before(CaseReminderKind.TALK_DUE, case.pk, due):
            continue
        text = f"整治案件 #{case.pk}：谈心谈话应于 {due:%Y-%m-%d} 前完成并签字 / Talk due by {due:%Y-%m-%d}"
        url = reverse("cases:rectification:detail", kwargs={"pk": case.pk})
        sent += _send(CaseReminderKind.TALK_DUE, case.pk, due, [Notice(case.leader, text, url)])
    return sent


def _commitments_due(today: date) -> int:
    sent = 0
    horizon = add_working_days(today, COMMITMENT_WARNING_WORKING_DAYS)
    commitments = (
        Commitment.objects.filter(
            status=CommitmentStatus.OPEN, deadline__isnull=False, deadline__lte=horizon, case__state__in=OPEN_STATES
        )
        .select_related("case__leader", "case__cadre__user")
        .order_by("pk")
    )
    for item in commitments:
        if item.deadline is None:
            continue
        overdue = item.deadline < today
        kind = CaseReminderKind.COMMITMENT_OVERDUE if overdue else CaseReminderKind.COMMITMENT_DUE
        if _sent_before(kind, item.pk, item.deadline):
            continue
        # Both languages, as every notice (the reader's is not known when it is written); the text, typed in
        # Chinese, once at the end.
        zh, en = ("已逾期", "is overdue") if overdue else ("即将到期", "is due soon")
        day = f"{item.deadline:%Y-%m-%d}"
        case = item.case_id
        text = f"整治案件 #{case} 承诺事项{zh}（{day}）/ Case #{case}: a commitment {en} ({day}): {item.text}"
        notices = []
        if item.case.leader is not None:
            notices.append(Notice(item.case.leader, text, reverse("cases:rectification:detail", args=[item.case_id])))
        owner = item.case.cadre.user
        if owner is not None and item.case.state not in (CaseState.NOMINATED, CaseState.DISMISSED):
            notices.append(Notice(owner, text, reverse("cases:rectification:own_detail", args=[item.case_id])))
        sent += _send(kind, item.pk, item.deadline, notices)
    return sent


def _visits_due(today: date) -> int:
    sent = 0
    plans = (
        VisitPlan.objects.filter(
            sealed_at__isnull=False,
            executed_at__isnull=True,
            visit_date__gte=today,
            visit_date__lte=today + timedelta(days=1),
        )
        .prefetch_related("team")
        .order_by("pk")
    )
    for plan in plans:
        if plan.visit_date is None:
            continue
        if _sent_before(CaseReminderKind.VISIT_DUE, plan.pk, plan.visit_date):
            continue
        text = f"暗访 #{plan.pk} 定于 {plan.visit_date:%Y-%m-%d} / Unannounced visit on {plan.visit_date:%Y-%m-%d}"
        url = reverse("cases:rectification:visit_detail", kwargs={"pk": plan.pk})
        notices = [Notice(member, text, url) for member in plan.team.all()]
        sent += _send(CaseReminderKind.VISIT_DUE, plan.pk, plan.visit_date, notices)
    return sent


def reminders_send(*, today: date | None = None) -> int:
    """Send every reminder due today that was not sent before; returns how many reminders were sent.

    Acts as the system, across all units (it only writes to the people concerned). Idempotent.
    """
    day = today or timezone.localdate()
    return _talks_due(day) + _commitments_due(day) + _visits_due(day)


def notifications_for(user: User) -> list[Notification]:
    """The user's notifications, newest first (the list page shows the latest 100)."""
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:100])


def notifications_mark_read(*, user: User) -> int:
    """Mark all of the user's unread notifications read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
