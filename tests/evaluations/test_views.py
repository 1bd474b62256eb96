"""Pages: rounds (list, detail, create, transitions, reissue), the anonymous ballot, self and leader ratings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evaluations.identification import round_identify
from evaluations.models import (
    BallotToken,
    EvaluationRound,
    IdentifiedRating,
    PeerRating,
    PeerSheet,
    Relation,
    RoundState,
)
from evaluations.services import OpenedRound, ballot_submit, hash_token, round_close, round_open
from tests.conftest import Org, Personas
from tests.evaluations.conftest import create_round, manifestation_ids, ratings_for, sheet_post_data

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def page(response: Any) -> str:
    return response.content.decode()


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


# --- Round list and detail ------------------------------------------------------------------------


def test_the_round_list_sends_anonymous_visitors_to_log_in(en_client: Client) -> None:
    response = en_client.get(reverse("evaluations:round_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_round_list_shows_the_rounds_of_the_org_admins_subtree(
    en_client: Client, org: Org, personas: Personas, draft_round: EvaluationRound
) -> None:
    create_round(personas.oscar, org.district_b, title="西城区测评")
    html = page(login(en_client, personas.alice).get(reverse("evaluations:round_list")))
    assert draft_round.title in html
    assert "西城区测评" not in html
    assert "New round" in html


def test_the_round_list_rejects_post(en_client: Client, personas: Personas) -> None:
    assert login(en_client, personas.alice).post(reverse("evaluations:round_list")).status_code == 405


def test_the_round_list_takes_the_same_queries_for_one_round_or_many(
    en_client: Client, org: Org, personas: Personas, django_assert_num_queries: Any
) -> None:
    login(en_client, personas.alice)
    create_round(personas.alice, org.district_a, title="一")
    en_client.get(reverse("evaluations:round_list"))  # warm the session
    # session, user, the user's role grants, count, rounds with their scope
    with django_assert_num_queries(5):
        en_client.get(reverse("evaluations:round_list"))
    for i in range(5):
        create_round(personas.alice, org.section_1, title=f"科室测评{i}")
    with django_assert_num_queries(5):
        en_client.get(reverse("evaluations:round_list"))


def test_an_org_admin_of_another_district_gets_404_on_a_round(
    en_client: Client, personas: Personas, draft_round: EvaluationRound
) -> None:
    response = login(en_client, personas.oscar).get(reverse("evaluations:round_detail", args=[draft_round.pk]))
    assert response.status_code == 404
    assert "Page not found" in page(response)


@pytest.mark.parametrize("persona", ["leo", "carl", "ivy"])
def test_people_without_a_round_role_get_404_on_a_round(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, persona: str
) -> None:
    url = reverse("evaluations:round_detail", args=[draft_round.pk])
    assert login(en_client, getattr(personas, persona)).get(url).status_code == 404


def test_the_round_page_shows_rules_manifestations_and_the_open_button(
    en_client: Client, personas: Personas, draft_round: EvaluationRound
) -> None:
    html = page(login(en_client, personas.alice).get(reverse("evaluations:round_detail", args=[draft_round.pk])))
    assert "self 20 · peer 40 · leader 40" in html
    assert "推诿扯皮、上推下卸" in html
    assert reverse("evaluations:round_open", args=[draft_round.pk]) in html


def test_an_auditor_sees_the_round_without_any_button(
    en_client: Client, personas: Personas, draft_round: EvaluationRound
) -> None:
    response = login(en_client, personas.audrey).get(reverse("evaluations:round_detail", args=[draft_round.pk]))
    assert response.status_code == 200
    assert reverse("evaluations:round_open", args=[draft_round.pk]) not in page(response)


def test_the_round_page_shows_turnout_per_unit_but_not_who_voted(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    ballot = opened.tokens[0]
    ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    html = page(login(en_client, personas.alice).get(reverse("evaluations:round_detail", args=[draft_round.pk])))
    row = re.search(r"<tr>\s*<td>综合科</td>(.*?)</tr>", html, re.S)
    assert row is not None
    assert re.findall(r'class="num">(\d+)<', row.group(1)) == ["1", "2", "50"]
    assert "陈刚" not in html
    assert "刘芳" not in html
    # Closed, the round has no tokens left; the page reads the turnout round_close froze.
    round_close(actor=personas.alice, round=draft_round)
    assert not BallotToken.objects.filter(round=draft_round).exists()
    html = page(en_client.get(reverse("evaluations:round_detail", args=[draft_round.pk])))
    row = re.search(r"<tr>\s*<td>综合科</td>(.*?)</tr>", html, re.S)
    assert row is not None
    assert re.findall(r'class="num">(\d+)<', row.group(1)) == ["1", "2", "50"]


def test_the_round_page_takes_a_fixed_number_of_queries(
    en_client: Client, org: Org, personas: Personas, draft_round: EvaluationRound, django_assert_num_queries: Any
) -> None:
    round_open(actor=personas.alice, round=draft_round)
    url = reverse("evaluations:round_detail", args=[draft_round.pk])
    login(en_client, personas.alice).get(url)
    # session, user, the user's role grants, round with scope, manifestations, turnout, progress
    with django_assert_num_queries(7):
        en_client.get(url)


def test_the_round_page_rejects_post(en_client: Client, personas: Personas, draft_round: EvaluationRound) -> None:
    url = reverse("evaluations:round_detail", args=[draft_round.pk])
    assert login(en_client, personas.alice).post(url).status_code == 405


# --- Create ---------------------------------------------------------------------------------------


def round_form_data(org: Org, **changes: Any) -> dict[str, Any]:
    data = {
        "title": "东城区2026年测评",
        "scope": org.district_a.pk,
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "weight_self": 20,
        "weight_peer": 40,
        "weight_leader": 40,
        "k_anonymity": 3,
        "composite_threshold": "2.00",
        "unfavourable_share_numerator": 1,
        "unfavourable_share_denominator": 3,
        "gap_threshold": "1.50",
        "peer_group_mode": "same_unit",
        "small_unit_size": 15,
        "min_peer_sheets": 8,
    }
    return {**data, **changes}


def test_an_org_admin_creates_a_draft_round(en_client: Client, org: Org, personas: Personas) -> None:
    response = login(en_client, personas.alice).post(reverse("evaluations:round_create"), round_form_data(org))
    round = EvaluationRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:round_detail", args=[round.pk])
    assert round.state == RoundState.DRAFT
    assert round.created_by == personas.alice


def test_the_create_form_says_the_weights_must_add_up_to_100(en_client: Client, org: Org, personas: Personas) -> None:
    response = login(en_client, personas.alice).post(
        reverse("evaluations:round_create"), round_form_data(org, weight_self=25)
    )
    assert response.status_code == 200
    assert "The weights must add up to 100: self 25 + peer 40 + leader 40 = 105." in page(response)
    assert 'value="东城区2026年测评"' in page(response)
    assert not EvaluationRound.objects.exists()


def test_the_create_form_refuses_k_below_2(en_client: Client, org: Org, personas: Personas) -> None:
    response = login(en_client, personas.alice).post(
        reverse("evaluations:round_create"), round_form_data(org, k_anonymity=1)
    )
    assert "The anonymity threshold k must be at least 2." in page(response)
    assert not EvaluationRound.objects.exists()


def test_the_create_form_offers_only_units_of_the_admins_subtree(
    en_client: Client, org: Org, personas: Personas
) -> None:
    response = login(en_client, personas.alice).post(
        reverse("evaluations:round_create"), round_form_data(org, scope=org.district_b.pk)
    )
    assert response.status_code == 200
    assert "西城区" not in page(response)
    assert not EvaluationRound.objects.exists()


@pytest.mark.parametrize("persona", ["audrey", "leo", "carl"])
def test_only_org_admins_may_create_rounds(en_client: Client, personas: Personas, persona: str) -> None:
    assert login(en_client, getattr(personas, persona)).get(reverse("evaluations:round_create")).status_code == 403


# --- Transitions ----------------------------------------------------------------------------------


def test_opening_a_round_prints_the_ballot_codes_once_with_qr_codes(
    en_client: Client, personas: Personas, draft_round: EvaluationRound
) -> None:
    response = login(en_client, personas.alice).post(reverse("evaluations:round_open", args=[draft_round.pk]))
    html = page(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "These codes are shown only now." in html
    assert html.count('class="qr-code"') == 2
    tokens = re.findall(r"<code>([A-Za-z0-9_-]{22})</code>", html)
    assert len(tokens) == 2
    assert {hash_token(t) for t in tokens} == set(BallotToken.objects.values_list("pk", flat=True))
    assert "For 陈刚" in html
    assert "For 刘芳" in html
    assert not INLINE_SCRIPT.search(html)
    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.OPEN


def test_opening_an_open_round_answers_409_with_the_reason(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    response = login(en_client, personas.alice).post(reverse("evaluations:round_open", args=[draft_round.pk]))
    assert response.status_code == 409
    assert "Only a draft round can be opened" in page(response)


def test_an_auditor_may_not_open_a_round(en_client: Client, personas: Personas, draft_round: EvaluationRound) -> None:
    response = login(en_client, personas.audrey).post(reverse("evaluations:round_open", args=[draft_round.pk]))
    assert response.status_code == 403
    assert "Only the organization department over the round&#x27;s scope can manage it." in page(response)
    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.DRAFT


@pytest.mark.parametrize("name", ["round_open", "round_close", "round_publish"])
def test_an_outsider_gets_404_from_every_transition(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, name: str
) -> None:
    response = login(en_client, personas.oscar).post(reverse(f"evaluations:{name}", args=[draft_round.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["round_open", "round_close", "round_publish"])
def test_transitions_reject_get(en_client: Client, personas: Personas, draft_round: EvaluationRound, name: str) -> None:
    response = login(en_client, personas.alice).get(reverse(f"evaluations:{name}", args=[draft_round.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("name", ["round_open", "round_close", "round_publish"])
def test_transitions_send_anonymous_visitors_to_log_in(
    en_client: Client, draft_round: EvaluationRound, name: str
) -> None:
    response = en_client.post(reverse(f"evaluations:{name}", args=[draft_round.pk]))
    assert response.status_code == 302


def test_closing_then_publishing_goes_back_to_the_round_page(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    login(en_client, personas.alice)
    detail = reverse("evaluations:round_detail", args=[draft_round.pk])
    assert en_client.post(reverse("evaluations:round_close", args=[draft_round.pk]))["Location"] == detail
    round_identify(actor=personas.alice, round=draft_round, inline=True)
    assert en_client.post(reverse("evaluations:round_publish", args=[draft_round.pk]))["Location"] == detail
    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.PUBLISHED


def test_publishing_an_open_round_answers_409(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    response = login(en_client, personas.alice).post(reverse("evaluations:round_publish", args=[draft_round.pk]))
    assert response.status_code == 409
    assert "Only a closed round can be published" in page(response)


def test_reissuing_prints_new_codes_for_the_unit(
    en_client: Client, org: Org, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    url = reverse("evaluations:tokens_reissue", args=[draft_round.pk, org.section_1.pk])
    assert login(en_client, personas.audrey).post(url).status_code == 403
    assert login(en_client, personas.oscar).post(url).status_code == 404
    response = login(en_client, personas.alice).post(url)
    assert response.status_code == 200
    assert len(re.findall(r"<code>([A-Za-z0-9_-]{22})</code>", page(response))) == 2
    assert not BallotToken.objects.filter(pk__in=[hash_token(t.token) for t in opened.tokens]).exists()


# --- The anonymous ballot -------------------------------------------------------------------------


def ballot_url(token: str) -> str:
    return reverse("evaluations:ballot", args=[token])


def test_the_ballot_page_works_without_logging_in(
    en_client: Client, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    ballot = opened.tokens[0]
    response = en_client.get(ballot_url(ballot.token))
    html = page(response)
    assert response.status_code == 200
    assert "刘芳" in html  # carl's ballot rates dora
    for label in ("never (从不)", "rarely (很少)", "sometimes (有时)", "often (经常)", "always (总是)"):
        assert label in html
    assert "competent (称职)" in html
    assert response["Referrer-Policy"] == "same-origin"  # never "no-referrer": the POST would carry Origin: null
    assert not INLINE_SCRIPT.search(html)


def test_a_complete_ballot_is_stored_and_thanks_the_rater(
    en_client: Client, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    ballot = opened.tokens[0]
    response = en_client.post(ballot_url(ballot.token), sheet_post_data(ballot.subject_ids, draft_round))
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:ballot_thanks")
    assert PeerSheet.objects.count() == 1
    assert en_client.get(response["Location"]).status_code == 200


def test_a_used_ballot_answers_410_and_stores_nothing(
    en_client: Client, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    ballot = opened.tokens[0]
    data = sheet_post_data(ballot.subject_ids, draft_round)
    en_client.post(ballot_url(ballot.token), data)
    again = en_client.post(ballot_url(ballot.token), data)
    assert again.status_code == 410
    assert "This ballot has already been used." in page(again)
    assert en_client.get(ballot_url(ballot.token)).status_code == 410
    assert PeerSheet.objects.count() == 1


def test_a_ballot_of_a_closed_round_answers_like_an_unknown_one_and_stores_nothing(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    # The close deletes the round's tokens (docs/SECURITY.md, "PostgreSQL transaction ids"), so a code
    # of a closed round is as unknown as a mistyped one; the message says it may be either.
    used, unused = opened.tokens
    en_client.post(ballot_url(used.token), sheet_post_data(used.subject_ids, draft_round))
    round_close(actor=personas.alice, round=draft_round)
    for ballot in (used, unused):
        shown = en_client.get(ballot_url(ballot.token))
        posted = en_client.post(ballot_url(ballot.token), sheet_post_data(ballot.subject_ids, draft_round))
        for response in (shown, posted):
            assert response.status_code == 404
            assert "There is no ballot with this code, or its evaluation round has closed." in page(response)
    assert PeerRating.objects.count() == len(used.subject_ids)  # the one sheet sent before the close, no more


def test_an_unknown_ballot_answers_404_on_a_friendly_page(en_client: Client, opened: OpenedRound) -> None:
    response = en_client.get(ballot_url("A" * 22))
    assert response.status_code == 404
    assert "This ballot cannot be used" in page(response)


def test_a_ballot_with_a_missing_answer_keeps_everything_entered_and_names_the_field(
    en_client: Client, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    ballot = opened.tokens[0]
    subject = ballot.subject_ids[0]
    first, second = manifestation_ids(draft_round)[:2]
    data = sheet_post_data(ballot.subject_ids, draft_round, value=3, grade="basic")
    del data[f"s{subject}-m{second}"]
    data[f"s{subject}-comment"] = "开会经常缺席"

    response = en_client.post(ballot_url(ballot.token), data)
    html = page(response)

    assert response.status_code == 200
    assert "刘芳 — Waiting for retirement: Choose how often you observed this." in html
    assert f'href="#id_s{subject}-m{second}"' in html
    assert re.search(rf'name="s{subject}-m{first}" value="3"[^>]*checked', html)
    assert re.search(rf'name="s{subject}-grade" value="basic"[^>]*checked', html)
    assert "开会经常缺席" in html
    assert PeerSheet.objects.count() == 0
    assert not BallotToken.objects.get(pk=hash_token(ballot.token)).used


def test_the_ballot_page_rejects_other_methods(en_client: Client, opened: OpenedRound) -> None:
    assert en_client.put(ballot_url(opened.tokens[0].token)).status_code == 405


def test_the_ballot_page_takes_a_fixed_number_of_queries(
    en_client: Client, draft_round: EvaluationRound, opened: OpenedRound, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        en_client.get(ballot_url(opened.tokens[0].token))


# --- Self and leader ratings ----------------------------------------------------------------------


def self_rating(round: EvaluationRound, personas: Personas) -> IdentifiedRating:
    return IdentifiedRating.objects.get(round=round, relation=Relation.SELF, subject=personas.carl_cadre)


def test_my_evaluations_lists_a_leaders_cadres_and_their_own_self_evaluation(
    en_client: Client, personas: Personas, opened: OpenedRound
) -> None:
    html = page(login(en_client, personas.leo).get(reverse("evaluations:my_evaluations")))
    assert html.count("Rate now") == 3  # his own self-evaluation, carl, dora
    assert "陈刚" in html
    assert "刘芳" in html


def test_my_evaluations_shows_a_cadre_only_their_self_evaluation(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    html = page(login(en_client, personas.carl).get(reverse("evaluations:my_evaluations")))
    assert html.count("Rate now") == 1
    assert reverse("evaluations:rating_fill", args=[self_rating(draft_round, personas).pk]) in html


def test_my_evaluations_takes_a_fixed_number_of_queries(
    en_client: Client, personas: Personas, opened: OpenedRound, django_assert_num_queries: Any
) -> None:
    login(en_client, personas.leo).get(reverse("evaluations:my_evaluations"))
    # session, user, ratings with their round and cadre, the user's role grants (menu)
    with django_assert_num_queries(4):
        en_client.get(reverse("evaluations:my_evaluations"))


def test_a_cadre_fills_in_their_self_evaluation(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    rating = self_rating(draft_round, personas)
    url = reverse("evaluations:rating_fill", args=[rating.pk])
    login(en_client, personas.carl)
    assert "Self-evaluation" in page(en_client.get(url))
    response = en_client.post(url, sheet_post_data([personas.carl_cadre.pk], draft_round, value=0, grade="excellent"))
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.submitted_at is not None
    assert rating.rater == personas.carl
    assert "Submitted on" in page(en_client.get(url))
    again = en_client.post(url, sheet_post_data([personas.carl_cadre.pk], draft_round))
    assert again.status_code == 409


def test_somebody_elses_rating_page_is_not_found(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    url = reverse("evaluations:rating_fill", args=[self_rating(draft_round, personas).pk])
    for other in (personas.leo, personas.alice, personas.oscar):
        assert login(en_client, other).get(url).status_code == 404


def test_the_rating_page_sends_anonymous_visitors_to_log_in(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    url = reverse("evaluations:rating_fill", args=[self_rating(draft_round, personas).pk])
    assert en_client.get(url).status_code == 302


def test_a_rating_posted_after_the_round_closed_answers_409(
    en_client: Client, personas: Personas, draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    url = reverse("evaluations:rating_fill", args=[self_rating(draft_round, personas).pk])
    round_close(actor=personas.alice, round=draft_round)
    login(en_client, personas.carl)
    assert "not open for ratings" in page(en_client.get(url))
    response = en_client.post(url, sheet_post_data([personas.carl_cadre.pk], draft_round))
    assert response.status_code == 409
