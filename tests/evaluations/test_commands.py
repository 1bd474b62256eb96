"""The commands: `seed_round` (a synthetic closed round with its truth) and `identify ROUND --json`."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from evaluations.models import (
    BallotToken,
    EvaluationRound,
    IdentifiedRating,
    PeerRating,
    PeerScore,
    PeerSheet,
    RoundState,
    RoundTurnout,
    SheetFigures,
    SubjectResult,
)
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import BuiltRound, build_closed_round

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- seed_round ----------------------------------------------------------------------------------------


def test_seed_round_prints_the_round_and_the_genuinely_lying_flat_cadres() -> None:
    output = run("seed_round", "--cadres", "80", "--seed", "4", "--units", "4")
    round_id = int(re.search(r"^round (\d+):", output, re.M).group(1))  # type: ignore[union-attr]
    round = EvaluationRound.objects.get(pk=round_id)
    assert round.state == RoundState.CLOSED
    ids = [int(i) for i in output.split("genuinely lying flat (cadre ids):")[1].split()]
    assert ids
    assert "80 cadres in 4 units" in output


def test_seed_round_fills_the_tables_the_way_the_services_do() -> None:
    payload = json.loads(run("seed_round", "--cadres", "60", "--seed", "9", "--units", "3", "--json"))
    round = EvaluationRound.objects.get(pk=payload["round_id"])
    ratings = PeerRating.objects.filter(round=round)
    assert ratings.count() == payload["peer_ratings"]
    # Closed through round_close: the tokens are gone, their turnout frozen per unit, the sheets sealed.
    assert not PeerSheet.objects.filter(round=round).exists()
    assert SheetFigures.objects.filter(round=round).count() == ratings.values("subject_id").distinct().count()
    assert not BallotToken.objects.filter(round=round).exists()
    turnout = RoundTurnout.objects.filter(round=round).aggregate(used=Sum("used"), units=Count("pk"))
    assert turnout == {"used": payload["ballots_returned"], "units": 3}
    # Every rating scores every manifestation, as ballot_submit demands.
    assert PeerScore.objects.filter(rating__round=round).count() == 5 * ratings.count()
    # Self and leader assignments come from round_open; most are submitted.
    submitted = IdentifiedRating.objects.filter(round=round, submitted_at__isnull=False)
    assert submitted.filter(relation="self").count() > 45
    assert submitted.filter(relation="leader").count() > 45
    assert not IdentifiedRating.objects.filter(round=round, submitted_at__isnull=False, grade="").exists()


@pytest.mark.parametrize("args", [["--cadres", "1", "--seed", "1"], ["--cadres", "10", "--seed", "1", "--units", "0"]])
def test_seed_round_refuses_arguments_that_make_no_round(args: list[str]) -> None:
    with pytest.raises(CommandError):
        run("seed_round", *args)


# --- identify --json ---------------------------------------------------------------------------------


@pytest.fixture
def built(org: Org, personas: Personas) -> BuiltRound:
    return build_closed_round(org, personas)


def test_identify_json_prints_the_candidates_with_flags_and_reasons_in_both_languages(built: BuiltRound) -> None:
    document = json.loads(run("identify", str(built.round.pk), "--json"))
    assert list(document) == ["round", "frozen_at", "cadres", "candidate_count", "candidates"]
    assert document["round"] == {"id": built.round.pk, "title": built.round.title, "state": "closed", "k": 3}
    assert document["cadres"] == 10
    assert document["candidate_count"] == len(document["candidates"]) >= 1
    dora = next(c for c in document["candidates"] if c["cadre_id"] == built.dora.pk)
    assert list(dora) == ["cadre_id", "external_id", "name", "unit", "composite", "flags", "notes", "figures"]
    assert dora["name"] == "刘芳"
    assert dora["unit"]["name"] == "综合科"
    flag = next(f for f in dora["flags"] if f["code"] == "composite")
    assert set(flag) == {"code", "decisive", "zh", "en"}
    assert flag["zh"].startswith("综合指数")
    assert flag["en"].startswith("Composite index")
    assert dora["composite"] == dora["figures"]["composite"]


def test_identify_json_is_unescaped_utf8_and_the_same_every_time(built: BuiltRound) -> None:
    first = run("identify", str(built.round.pk), "--json")
    assert "刘芳" in first  # ensure_ascii=False
    assert "\\u" not in first
    second = run("identify", str(built.round.pk), "--json")
    assert first == second  # frozen: the second run prints the same results, recomputing nothing
    assert SubjectResult.objects.filter(round=built.round).count() == 10


def test_identify_json_keeps_k_a_group_below_k_has_no_number(org: Org, personas: Personas) -> None:
    from evaluations.services import RoundOptions

    # k = 7: every peer group of the fixture is below k, dora's included; she is still a candidate (leo).
    built = build_closed_round(org, personas, options=RoundOptions(k_anonymity=7))
    document = json.loads(run("identify", str(built.round.pk), "--json"))
    dora = next(c for c in document["candidates"] if c["cadre_id"] == built.dora.pk)
    assert dora["figures"]["peer"] == {"withheld": True, "k": 7}
    assert any(n["code"] == "peer_withheld" and "insufficient ratings" in n["en"] for n in dora["notes"])


def test_identify_without_json_lists_the_candidates_with_their_chinese_reasons(built: BuiltRound) -> None:
    output = run("identify", str(built.round.pk))
    assert "candidates among 10 cadres" in output
    assert "刘芳" in output
    assert "综合指数" in output


def test_identify_refuses_an_unknown_round_an_open_one_and_an_actor_who_may_not(org: Org, personas: Personas) -> None:
    with pytest.raises(CommandError, match="no round"):
        run("identify", "999999")
    built = build_closed_round(org, personas, close=False)
    with pytest.raises(CommandError):
        run("identify", str(built.round.pk))
    from evaluations.services import round_close

    round_close(actor=personas.alice, round=built.round)
    with pytest.raises(CommandError, match="may not identify"):
        run("identify", str(built.round.pk), "--actor", "audrey")
    with pytest.raises(CommandError, match="no user"):
        run("identify", str(built.round.pk), "--actor", "nobody")
    assert not SubjectResult.objects.exists()
