"""The scheduled job: cases whose rectification period ended move to verification, and people are told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from cases.rectification import period_services, tasks
from cases.rectification.models import CaseState
from project.celery import app as celery_app
from project.org.models import User
from tests.cases.rectification.states import rectifying
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

TASK = "cases.rectification.tasks.move_cases_past_period"


def past_period(personas: Personas, **kwargs: Any) -> Any:
    return rectifying(personas, start=timezone.localdate() - timedelta(days=200), **kwargs)


def test_the_beat_task_is_registered_under_its_documented_name() -> None:
    celery_app.loader.import_default_modules()
    assert TASK in celery_app.tasks
    assert tasks.move_cases_past_period.name == TASK


def test_the_job_moves_only_cases_whose_period_has_ended(personas: Personas) -> None:
    ended = past_period(personas)
    running = rectifying(personas, cadre=personas.dora_cadre)
    assert tasks.move_cases_past_period() == 1
    ended.refresh_from_db()
    running.refresh_from_db()
    assert ended.state == CaseState.VERIFYING
    assert running.state == CaseState.RECTIFYING


def test_the_job_is_idempotent(personas: Personas) -> None:
    past_period(personas)
    assert tasks.move_cases_past_period() == 1
    assert tasks.move_cases_past_period() == 0


def test_the_leader_and_the_organization_department_are_told_by_email(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=personas.alice.pk).update(email="alice@example.invalid")
    User.objects.filter(pk=personas.leo.pk).update(email="leo@example.invalid")
    User.objects.filter(pk=personas.oscar.pk).update(email="oscar@example.invalid")
    case = past_period(personas)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.move_cases_past_period()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["alice@example.invalid", "leo@example.invalid"]
    assert f"#{case.pk}" in message.subject
    assert "陈刚" not in message.subject + message.body  # the case number only, no names


def test_an_early_move_by_the_organization_department_tells_them_too(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=personas.leo.pk).update(email="leo@example.invalid")
    case = rectifying(personas)
    with django_capture_on_commit_callbacks(execute=True):
        period_services.case_move_to_verifying(actor=personas.alice, case=case)
    assert [message.to for message in mail.outbox] == [["leo@example.invalid"]]
