"""Rounds and their frozen results over the API: the k threshold as on the pages and in the XLSX."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from evaluations import results, scoring
from evaluations.models import RoundState, SubjectResult
from tests.api.conftest import ClientFor
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import BuiltRound, build_closed_round


@pytest.fixture
def built(org: Org, personas: Personas) -> BuiltRound:
    return build_closed_round(org, personas)


def _url(built: BuiltRound, tail: str = "") -> str:
    return f"/api/v1/rounds/{built.round.pk}/{tail}"


def _identified(client_for: ClientFor, personas: Personas, built: BuiltRound) -> None:
    response = client_for(personas.alice).post(_url(built, "identify/"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"


def _cards(client: Any, built: BuiltRound) -> dict[int, dict[str, Any]]:
    response = client.get(_url(built, "results/cadres/"), {"all": "true", "page_size": 200})
    assert response.status_code == 200
    return {card["cadre"]["id"]: card for card in response.json()["results"]}


def test_an_outsider_and_a_cadre_get_404_for_the_round(
    client_for: ClientFor, personas: Personas, built: BuiltRound
) -> None:
    for user in (personas.oscar, personas.carl, personas.leo):
        assert client_for(user).get(_url(built)).status_code == 404
        assert client_for(user).get(_url(built, "results/cadres/")).status_code == 404


def test_results_answer_409_until_the_candidates_are_identified(
    client_for: ClientFor, personas: Personas, built: BuiltRound
) -> None:
    response = client_for(personas.alice).get(_url(built, "results/"))
    assert response.status_code == 409
    assert response.json()["code"] == "results_not_ready"


def test_a_peer_group_below_k_has_no_figure_only_words(
    client_for: ClientFor, personas: Personas, built: BuiltRound
) -> None:
    _identified(client_for, personas, built)
    cards = _cards(client_for(personas.audrey), built)
    for cadre in built.section_2:  # two colleagues: one sheet each, below k = 3
        peer = cards[cadre.pk]["lines"][1]
        assert peer["relation"] == "peer"
        assert peer["withheld"] is True
        figures = [peer["sheets"], peer["mean"], peer["adjusted"], peer["unfavourable"], *peer["per_manifestation"]]
        assert all(f["value"] is None and f["withheld"] and f["text"] == scoring.Withheld.en for f in figures)
    shown = cards[built.dora.pk]["lines"][1]
    assert shown["withheld"] is False
    assert shown["sheets"]["value"] >= built.round.k_anonymity


def test_the_cards_are_the_pages_presentation_of_the_frozen_rows(
    client_for: ClientFor, personas: Personas, built: BuiltRound
) -> None:
    _identified(client_for, personas, built)
    cards = _cards(client_for(personas.alice), built)
    round = built.round
    with translation.override("en"):
        manifestations = results.manifestations_of(round)
        for row in SubjectResult.objects.filter(round=round):
            page = results.present(row, manifestations, results.round_weights(round))
            api = cards[row.cadre_id]
            assert api["composite"]["text"] == page.composite.text
            assert [line["mean"]["text"] for line in api["lines"]] == [line.mean.text for line in page.lines]
            assert [f["text"] for f in api["flags"]] == [f.text for f in page.flags]
    assert len(cards) == SubjectResult.objects.filter(round=round).count()


def test_the_candidate_list_and_one_card(client_for: ClientFor, personas: Personas, built: BuiltRound) -> None:
    _identified(client_for, personas, built)
    alice = client_for(personas.alice)
    candidates = alice.get(_url(built, "results/cadres/")).json()["results"]
    assert built.dora.pk in {card["cadre"]["id"] for card in candidates}
    assert all(card["is_candidate"] for card in candidates)
    card = alice.get(_url(built, f"results/cadres/{built.dora.pk}/"))
    assert card.status_code == 200
    assert card.json()["cadre"]["id"] == built.dora.pk
    assert alice.get(_url(built, f"results/cadres/{personas.bella_cadre.pk}/")).status_code == 404
    summary = alice.get(_url(built, "results/")).json()
    assert summary["peer_withheld"] >= len(built.section_2)


def test_publishing_needs_the_identification_first(
    client_for: ClientFor, personas: Personas, built: BuiltRound
) -> None:
    alice = client_for(personas.alice)
    early = alice.post(_url(built, "publish/"))
    assert early.status_code == 409
    _identified(client_for, personas, built)
    published = alice.post(_url(built, "publish/"))
    assert published.status_code == 200
    assert published.json()["state"] == RoundState.PUBLISHED


def test_closing_a_closed_round_is_a_conflict(client_for: ClientFor, personas: Personas, built: BuiltRound) -> None:
    response = client_for(personas.alice).post(_url(built, "close/"))
    assert response.status_code == 409
    assert response.json()["detail"]


def test_the_auditor_reads_but_does_not_identify(client_for: ClientFor, personas: Personas, built: BuiltRound) -> None:
    audrey = client_for(personas.audrey)
    assert audrey.get(_url(built)).json()["actions"] == []
    assert audrey.post(_url(built, "identify/")).status_code == 403


def test_the_state_cannot_be_written(client_for: ClientFor, personas: Personas, built: BuiltRound) -> None:
    alice = client_for(personas.alice)
    assert alice.patch(_url(built), {"state": "published"}, format="json").status_code == 405
    assert alice.get(_url(built)).json()["state"] == RoundState.CLOSED
