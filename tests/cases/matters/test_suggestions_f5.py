"""F5 (一贯表现) suggested from the cadre's latest published evaluation result."""

from __future__ import annotations

from datetime import date

import pytest

from cases.matters.services import matter_receive
from cases.matters.suggestions import suggest_f5
from evaluations.identification import round_identify
from evaluations.services import round_publish
from project.org.models import Cadre
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import build_closed_round

pytestmark = pytest.mark.django_db

# The built round's period ends on 2026-06-30.
SOON_AFTER = date(2026, 9, 1)


def _matter_for(personas: Personas, cadre: Cadre):  # type: ignore[no-untyped-def]
    return matter_receive(actor=personas.alice, cadre=cadre, title="项目审批延误问责", facts="……")


def test_a_candidate_in_a_published_round_suggests_an_unfavourable_f5(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round, inline=True)
    round_publish(actor=personas.alice, round=built.round)

    suggestion = suggest_f5(_matter_for(personas, built.dora), today=SOON_AFTER)

    assert suggestion is not None
    assert suggestion.value == "unfavourable"
    assert built.round.title in suggestion.source


def test_a_cadre_with_no_flag_gets_a_favourable_f5(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round, inline=True)
    round_publish(actor=personas.alice, round=built.round)

    suggestion = suggest_f5(_matter_for(personas, personas.carl_cadre), today=SOON_AFTER)

    assert suggestion is not None
    assert suggestion.value in {"favourable", "neutral"}


def test_results_that_are_not_yet_published_suggest_nothing(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round, inline=True)

    assert suggest_f5(_matter_for(personas, built.dora), today=SOON_AFTER) is None


def test_a_round_older_than_two_years_suggests_nothing(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    round_identify(actor=personas.alice, round=built.round, inline=True)
    round_publish(actor=personas.alice, round=built.round)

    assert suggest_f5(_matter_for(personas, built.dora), today=date(2028, 9, 1)) is None
