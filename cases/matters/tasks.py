"""Celery tasks for matters: ids in, a service call, idempotent."""

from __future__ import annotations

from celery import shared_task

from cases.matters import decision_services, services


@shared_task(name="cases.matters.tasks.remind_overdue_matters")
def remind_overdue_matters() -> int:
    """Daily (beat): remind reviewers and org_admins of overdue matters, each reminder only once."""
    return services.overdue_reminders_send()


@shared_task(name="cases.matters.tasks.notify_cadre_of_feedback")
def notify_cadre_of_feedback(feedback_id: int) -> bool:
    """Tell the cadre by email that written feedback is waiting on their page."""
    return decision_services.feedback_notify(feedback_id=feedback_id)
