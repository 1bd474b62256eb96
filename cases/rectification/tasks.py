"""Celery tasks of rectification cases: ids in, a service call, idempotent.

Beat entry (project/settings.py, CELERY_BEAT_SCHEDULE), daily:
    "move-cases-past-period-daily": {"task": "cases.rectification.tasks.move_cases_past_period",
                                     "schedule": 24 * 3600}
    "send-case-reminders-daily": {"task": "cases.rectification.tasks.send_reminders",
                                  "schedule": crontab(hour=7, minute=30)}
"""

from __future__ import annotations

from celery import shared_task

from cases.rectification import period_services


@shared_task(name="cases.rectification.tasks.move_cases_past_period")
def move_cases_past_period() -> int:
    """Daily (beat): cases whose rectification period has ended move to verification; returns how many."""
    return period_services.cases_move_past_period()


@shared_task(name="cases.rectification.tasks.notify_case_in_verification")
def notify_case_in_verification(case_id: int) -> int:
    """Tell the leader in charge and the organization department that a case is in verification."""
    return period_services.case_verification_notify(case_id=case_id)


@shared_task(name="cases.rectification.tasks.send_reminders")
def send_reminders() -> int:
    """Daily (beat): talks, commitments and visits due, in working days; each reminder sent once."""
    from cases.rectification import reminders

    return reminders.reminders_send()
