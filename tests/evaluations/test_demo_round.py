"""The demo round (evaluations/demo.py): a published round over the demo city's 东湖区, through the services."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from cases.rectification.models import CaseState, RectificationCase
from cases.rectification.selectors import leader_candidates
from evaluations.demo import DEMO_TITLE, LYING_FLAT_UNDER_THE_DEMO_LEADER
from evaluations.models import EvaluationRound, PeerSheet, RoundResultSummary, RoundState, SubjectResult
from project.org.models import User

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, "--allow-production", stdout=out)
    return out.getvalue()


def test_it_needs_the_demo_city_first() -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        run("seed_demo_round")


def test_the_demo_round_is_published_with_its_candidates_nominated_and_a_second_run_does_nothing() -> None:
    run("seed_demo")
    assert "closed, identified and published" in run("seed_demo_round")
    round = EvaluationRound.objects.get(title=DEMO_TITLE)
    assert round.state == RoundState.PUBLISHED
    assert not PeerSheet.objects.filter(round=round).exists()  # sealed at close, as every round
    summary = RoundResultSummary.objects.get(round=round)
    candidates = set(SubjectResult.objects.filter(round=round, is_candidate=True).values_list("cadre_id", flat=True))
    assert summary.candidates == len(candidates) > 0
    nominated = RectificationCase.objects.filter(state=CaseState.NOMINATED)
    assert set(nominated.values_list("cadre_id", flat=True)) == candidates

    assert "Nothing to do" in run("seed_demo_round")
    assert EvaluationRound.objects.filter(title=DEMO_TITLE).count() == 1


def test_the_org_admin_sees_the_round_and_its_cases(client: Client, settings: Any) -> None:
    run("seed_demo")
    run("seed_demo_round")
    client.force_login(User.objects.get(username="zuzhi"))
    round = EvaluationRound.objects.get(title=DEMO_TITLE)
    assert DEMO_TITLE in client.get(reverse("evaluations:round_list")).content.decode()
    assert client.get(reverse("evaluations:results", args=[round.pk])).status_code == 200
    listed = client.get(reverse("cases:rectification:list"), {"state": CaseState.NOMINATED})
    assert len(listed.context["rows"]) == RectificationCase.objects.filter(state=CaseState.NOMINATED).count() > 0


def test_the_demo_leader_can_take_on_some_of_the_nominated_cases() -> None:
    # So that a first look can follow a case past its nomination: assign lingdao, then record a talk as lingdao.
    run("seed_demo")
    run("seed_demo_round")
    lingdao = User.objects.get(username="lingdao")
    cases = RectificationCase.objects.select_related("unit", "cadre")
    assert sum(lingdao in leader_candidates(case) for case in cases) >= LYING_FLAT_UNDER_THE_DEMO_LEADER


def test_it_refuses_outside_debug_mode_unless_told(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="debug mode"):
        call_command("seed_demo_round", stdout=io.StringIO())
