"""Daily reminders in Chinese working days: talks due, commitments due or overdue, visits today or tomorrow;
each sent once (email and in-app notification), whatever how often the job runs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.matters.workdays import add_working_days
from cases.rectification import reminders, talk_services, tasks
from cases.rectification.models import CaseReminder, CaseReminderKind, Notification
from project.org.models import User
from tests.cases.rectification.states import record_talk, talking
from tests.cases.rectification.visit_states import sealed
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(personas: Personas) -> Personas:
    for user in (personas.leo, personas.carl, personas.ivy, personas.alice):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.invalid")
        user.refresh_from_db()
    return personas


def at(day: date) -> datetime:
    """10:00 on `day`, the time of a talk held then."""
    return timezone.make_aware(datetime.combine(day, time(10)))


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_daily_task_sends_a_reminder_once(personas: Personas) -> None:
    User.objects.filter(pk=personas.leo.pk).update(email="leo@example.invalid")
    case = talking(personas)
    record_talk(personas, case, deadline=timezone.localdate())
    tasks.send_reminders()
    tasks.send_reminders()
    assert recipients() == ["leo@example.invalid"]
    assert CaseReminder.objects.filter(kind=CaseReminderKind.COMMITMENT_DUE).count() == 1


def test_the_leader_is_reminded_of_a_talk_due_five_working_days_after_assignment(emails: Personas) -> None:
    case = talking(emails)
    assert case.leader_assigned_at is not None
    due = add_working_days(timezone.localdate(case.leader_assigned_at), reminders.TALK_DUE_WORKING_DAYS)
    assert reminders.reminders_send(today=timezone.localdate(case.leader_assigned_at)) == 0
    assert reminders.reminders_send(today=due) == 1
    assert reminders.reminders_send(today=due + timedelta(days=1)) == 0
    assert recipients() == ["leo@example.invalid"]
    assert CaseReminder.objects.get().kind == CaseReminderKind.TALK_DUE


def test_no_talk_reminder_once_a_talk_is_signed(emails: Personas) -> None:
    case = talking(emails)
    talk_services.talk_sign(actor=emails.leo, talk=record_talk(emails, case, deadline=date(2099, 1, 1)))
    assert reminders.reminders_send(today=timezone.localdate() + timedelta(days=30)) == 0
    assert mail.outbox == []


def test_commitment_reminders_count_working_days_across_the_national_day_holiday(emails: Personas) -> None:
    case = talking(emails)
    # The talk was held on 29 September 2025 (a deadline is not before the day of its talk).
    talk = record_talk(emails, case, deadline=date(2025, 10, 9), held_at=at(date(2025, 9, 29)))
    talk_services.commitment_add(
        actor=emails.leo, case=case, talk=talk, text="提交书面检查", deadline=date(2025, 10, 13)
    )
    # From Tuesday 30 September 2025, three working days end on Saturday 11 October (1–8 October are
    # holidays, the 11th is worked): the 9 October deadline is due, the 13 October one is not yet.
    # Counting Monday to Friday would have ended on 3 October and warned of neither.
    assert reminders.reminders_send(today=date(2025, 9, 30)) == 1
    reminder = CaseReminder.objects.get()
    assert reminder.due_on == date(2025, 10, 9)
    assert recipients() == ["carl@example.invalid", "leo@example.invalid"]


def test_a_long_commitment_ends_in_an_ellipsis_in_the_notification_and_is_whole_in_the_mail(
    emails: Personas,
) -> None:
    case = talking(emails)
    deadline = date(2026, 6, 1)
    talk = record_talk(emails, case, deadline=deadline, held_at=at(deadline - timedelta(days=14)))
    text = "逐项整改" * 125  # 500 characters, the longest a commitment is
    talk_services.commitment_add(actor=emails.leo, case=case, talk=talk, text=text, deadline=deadline)
    reminders.reminders_send(today=deadline)
    notice = Notification.objects.filter(recipient=emails.leo, text__contains="逐项整改").get()
    both = f"承诺事项即将到期（2026-06-01）/ Case #{case.pk}: a commitment is due soon (2026-06-01): 逐项整改"
    assert both in notice.text
    assert len(notice.text) == reminders.NOTIFICATION_LENGTH
    assert notice.text.endswith(("…", "..."))  # Django's mark of a cut text ("..." in its Chinese catalogue)
    assert any(text in message.body for message in mail.outbox)


def test_an_overdue_commitment_is_reminded_again_once(emails: Personas) -> None:
    case = talking(emails)
    deadline = date(2026, 6, 1)
    record_talk(emails, case, deadline=deadline, held_at=at(deadline - timedelta(days=14)))
    assert reminders.reminders_send(today=deadline) == 1
    assert reminders.reminders_send(today=deadline + timedelta(days=1)) == 1
    assert reminders.reminders_send(today=deadline + timedelta(days=9)) == 0
    kinds = sorted(CaseReminder.objects.values_list("kind", flat=True))
    assert kinds == [CaseReminderKind.COMMITMENT_DUE, CaseReminderKind.COMMITMENT_OVERDUE]


def test_only_the_visit_team_is_reminded_of_a_visit_tomorrow(emails: Personas) -> None:
    plan = sealed(emails)
    assert plan.visit_date is not None
    for days_before in (3, 2, 1, 0, 0):
        reminders.reminders_send(today=plan.visit_date - timedelta(days=days_before))
    visit_mail = [message for message in mail.outbox if "暗访" in message.subject]
    assert [message.to for message in visit_mail] == [["ivy@example.invalid"]]
    reminder = CaseReminder.objects.get(kind=CaseReminderKind.VISIT_DUE)
    assert reminder.due_on == plan.visit_date
    assert not Notification.objects.filter(recipient__in=[emails.leo, emails.carl], text__contains="暗访").exists()


def test_notifications_are_listed_for_their_recipient_only(emails: Personas, client: Client) -> None:
    case = talking(emails)
    record_talk(emails, case, deadline=timezone.localdate())
    reminders.reminders_send()
    client.force_login(emails.carl, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("cases:rectification:notifications"))
    assert page.status_code == 200
    assert "每周报送工作台账" in page.content.decode()
    assert client.post(reverse("cases:rectification:notifications_read")).status_code == 302
    assert not Notification.objects.filter(recipient=emails.carl, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=emails.leo, read_at__isnull=True).exists()
    other = Client()
    other.force_login(emails.ivy, backend="django.contrib.auth.backends.ModelBackend")
    assert "每周报送工作台账" not in other.get(reverse("cases:rectification:notifications")).content.decode()
    assert Client().get(reverse("cases:rectification:notifications")).status_code == 302
