"""A published round's candidates become nominated cases (组织评定 then happens on the case list)."""

from __future__ import annotations

import pytest

from cases.rectification.models import CaseState, RectificationCase
from cases.rectification.services import case_open_manually
from evaluations.identification import round_identify
from evaluations.models import SubjectResult
from evaluations.services import round_publish
from project.audit.models import AuditEvent
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import BuiltRound, build_closed_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def identified(org: Org, personas: Personas) -> BuiltRound:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round, inline=True)
    return built


def test_publishing_nominates_every_candidate_with_the_frozen_evidence(
    identified: BuiltRound, personas: Personas
) -> None:
    candidates = set(
        SubjectResult.objects.filter(round=identified.round, is_candidate=True).values_list("cadre_id", flat=True)
    )
    assert identified.dora.pk in candidates
    assert not RectificationCase.objects.exists()

    round_publish(actor=personas.alice, round=identified.round)

    cases = RectificationCase.objects.filter(round_id=identified.round.pk)
    assert set(cases.values_list("cadre_id", flat=True)) == candidates
    dora_case = cases.get(cadre=identified.dora)
    assert dora_case.state == CaseState.NOMINATED
    assert dora_case.nominated_by is None  # the system's step
    assert dora_case.evidence["name"] == identified.dora.name
    assert {flag["code"] for flag in dora_case.evidence["flags"]}
    # Dora's colleagues and leo rate her at 3 to 4 on every manifestation: all five are marked.
    assert dora_case.manifestations == ["M1", "M2", "M3", "M4", "M5"]
    assert AuditEvent.objects.filter(action="case.nominate", object_id=str(dora_case.pk)).count() == 1


def test_a_candidate_with_an_open_case_keeps_that_case(identified: BuiltRound, personas: Personas) -> None:
    manual = case_open_manually(actor=personas.alice, cadre=identified.dora, reason="群众反映推诿扯皮")

    round_publish(actor=personas.alice, round=identified.round)

    assert list(RectificationCase.objects.filter(cadre=identified.dora)) == [manual]


def test_a_failed_nomination_rolls_the_publication_back(
    identified: BuiltRound, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: object) -> None:
        raise RuntimeError("database refused")

    monkeypatch.setattr("cases.rectification.nomination.case_nominate", refuse)
    with pytest.raises(RuntimeError):
        round_publish(actor=personas.alice, round=identified.round)

    identified.round.refresh_from_db()
    assert identified.round.state == "closed"
    assert not AuditEvent.objects.filter(action="evaluation_round.publish").exists()
