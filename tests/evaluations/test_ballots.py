"""Peer ballots through single-use tokens, token reissue, and signed self and leader ratings."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from evaluations.exceptions import BallotNotFound, BallotUnavailable, InvalidTransition, RatingAlreadySubmitted
from evaluations.models import (
    BallotToken,
    EvaluationRound,
    Grade,
    IdentifiedRating,
    IdentifiedScore,
    PeerRating,
    PeerScore,
    PeerSheet,
    Relation,
)
from evaluations.selectors import ballot_by_token
from evaluations.services import (
    OpenedRound,
    ballot_submit,
    hash_token,
    identified_rating_submit,
    round_close,
    tokens_reissue,
)
from project.audit.models import AuditEvent
from tests.conftest import Org, Personas
from tests.evaluations.conftest import manifestation_ids, ratings_for

pytestmark = pytest.mark.django_db


def stored_rows() -> tuple[int, int, int]:
    return PeerSheet.objects.count(), PeerRating.objects.count(), PeerScore.objects.count()


def test_a_ballot_stores_one_sheet_with_every_colleague_and_every_manifestation(
    draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    ballot = opened.tokens[0]
    ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round, value=3, comment="  推诿  "))
    sheet = PeerSheet.objects.get()
    rating = PeerRating.objects.get(sheet=sheet)
    assert rating.subject_id == ballot.subject_ids[0]
    assert rating.round_id == draft_round.pk
    assert rating.comment == "推诿"
    assert sorted(PeerScore.objects.filter(rating=rating).values_list("value", flat=True)) == [3] * 5
    assert BallotToken.objects.get(pk=hash_token(ballot.token)).used


def test_a_used_ballot_stores_nothing_and_says_so(draft_round: EvaluationRound, opened: OpenedRound) -> None:
    ballot = opened.tokens[0]
    ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    before = stored_rows()
    with translation.override("en"), pytest.raises(BallotUnavailable) as caught:
        ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round, value=4))
    assert caught.value.code == "used"
    assert caught.value.message == "This ballot has already been used. Nothing was stored."
    assert stored_rows() == before


CLOSED_OR_UNKNOWN = "There is no ballot with this code, or its evaluation round has closed."


def test_a_ballot_of_a_closed_round_stores_nothing(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    round_close(actor=personas.alice, round=draft_round)
    ballot = opened.tokens[0]
    # The close deleted the round's tokens: the code is now unknown, as the one message says.
    with translation.override("en"), pytest.raises(BallotNotFound) as caught:
        ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    assert caught.value.message == CLOSED_OR_UNKNOWN
    with translation.override("en"), pytest.raises(BallotNotFound) as shown:
        ballot_by_token(ballot.token)
    assert shown.value.message == CLOSED_OR_UNKNOWN
    assert stored_rows() == (0, 0, 0)
    assert not BallotToken.objects.filter(round=draft_round).exists()


def test_a_used_ballot_of_a_closed_round_is_gone_too(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    ballot = opened.tokens[0]
    ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    round_close(actor=personas.alice, round=draft_round)
    before = stored_rows()
    with translation.override("en"), pytest.raises(BallotNotFound) as caught:
        ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round, value=4))
    assert caught.value.message == CLOSED_OR_UNKNOWN
    assert stored_rows() == before == (0, 1, 5)  # the sheet itself dissolved at close (evaluations.sealing)


def test_an_unknown_token_is_not_found(opened: OpenedRound) -> None:
    with pytest.raises(BallotNotFound):
        ballot_submit(token="x" * 22, ratings=[])
    with pytest.raises(BallotNotFound):
        ballot_by_token("x" * 22)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda ratings: ratings[:-1] if len(ratings) > 1 else [],  # a colleague left out
        lambda ratings: [*ratings, ratings[0]],  # a colleague twice
        lambda ratings: [type(r)(r.subject_id, "superb", r.scores) for r in ratings],  # no such grade
        lambda ratings: [type(r)(r.subject_id, r.grade, dict(list(r.scores.items())[1:])) for r in ratings],
        lambda ratings: [type(r)(r.subject_id, r.grade, dict.fromkeys(r.scores, 5)) for r in ratings],  # out of range
        lambda ratings: [type(r)(r.subject_id, r.grade, r.scores, "长" * 501) for r in ratings],
        lambda ratings: [type(r)(999_999, r.grade, r.scores) for r in ratings],  # not on the ballot
    ],
)
def test_an_incomplete_or_invalid_ballot_stores_nothing_and_keeps_the_token(
    draft_round: EvaluationRound, opened: OpenedRound, spoil: object
) -> None:
    ballot = opened.tokens[0]
    with pytest.raises(ValidationError):
        ballot_submit(token=ballot.token, ratings=spoil(ratings_for(ballot.subject_ids, draft_round)))  # type: ignore[operator]
    assert stored_rows() == (0, 0, 0)
    assert not BallotToken.objects.get(pk=hash_token(ballot.token)).used


def test_a_ballot_writes_no_audit_event(draft_round: EvaluationRound, opened: OpenedRound) -> None:
    before = AuditEvent.objects.count()
    ballot = opened.tokens[0]
    ballot_submit(token=ballot.token, ratings=ratings_for(ballot.subject_ids, draft_round))
    assert AuditEvent.objects.count() == before


def test_reissuing_replaces_only_the_unused_ballots_of_a_unit(
    org: Org, draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    used, lost = opened.tokens
    ballot_submit(token=used.token, ratings=ratings_for(used.subject_ids, draft_round))
    new = tokens_reissue(actor=personas.alice, round=draft_round, unit=org.section_1)
    assert len(new) == 1
    assert new[0].subject_ids == lost.subject_ids
    assert new[0].recipient_id == lost.recipient_id  # the slip can be labelled again
    with pytest.raises(BallotNotFound):
        ballot_by_token(lost.token)
    assert ballot_by_token(new[0].token).subjects[0].pk == lost.subject_ids[0]
    assert list(BallotToken.objects.filter(round=draft_round).values_list("used", flat=True).order_by("used")) == [
        False,
        True,
    ]
    assert AuditEvent.objects.filter(action="evaluation_round.tokens_reissue").count() == 1


def test_only_the_rounds_org_admin_reissues_and_only_while_open(
    org: Org, draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    with pytest.raises(PermissionDenied):
        tokens_reissue(actor=personas.audrey, round=draft_round, unit=org.section_1)
    round_close(actor=personas.alice, round=draft_round)
    with pytest.raises(InvalidTransition):
        tokens_reissue(actor=personas.alice, round=draft_round, unit=org.section_1)


def test_a_unit_outside_the_rounds_scope_has_nothing_reissued(
    org: Org, draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    with pytest.raises(ValidationError) as caught:
        tokens_reissue(actor=personas.alice, round=draft_round, unit=org.b_office)
    assert list(caught.value.message_dict) == ["unit"]
    assert not AuditEvent.objects.filter(action="evaluation_round.tokens_reissue").exists()


def self_rating(round: EvaluationRound, personas: Personas) -> IdentifiedRating:
    return IdentifiedRating.objects.get(round=round, relation=Relation.SELF, subject=personas.carl_cadre)


def test_a_cadre_submits_and_signs_their_self_evaluation_once(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    rating = self_rating(draft_round, personas)
    data = ratings_for([personas.carl_cadre.pk], draft_round, value=0, grade=Grade.EXCELLENT)[0]
    identified_rating_submit(actor=personas.carl, rating=rating, data=data)
    rating.refresh_from_db()
    assert rating.rater == personas.carl
    assert rating.grade == Grade.EXCELLENT
    assert rating.submitted_at is not None
    assert IdentifiedScore.objects.filter(rating=rating).count() == len(manifestation_ids(draft_round))
    assert AuditEvent.objects.filter(action="evaluation_rating.submit_self", actor=personas.carl).exists()
    with pytest.raises(RatingAlreadySubmitted):
        identified_rating_submit(actor=personas.carl, rating=rating, data=data)


def test_nobody_else_submits_a_cadres_self_evaluation(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    rating = self_rating(draft_round, personas)
    data = ratings_for([personas.carl_cadre.pk], draft_round)[0]
    for other in (personas.alice, personas.leo):
        with pytest.raises(PermissionDenied):
            identified_rating_submit(actor=other, rating=rating, data=data)


def test_a_leader_rates_a_cadre_of_their_unit(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    rating = IdentifiedRating.objects.get(round=draft_round, relation=Relation.LEADER, subject=personas.dora_cadre)
    data = ratings_for([personas.dora_cadre.pk], draft_round, value=4, grade=Grade.BASIC, comment="经常迟到")[0]
    identified_rating_submit(actor=personas.leo, rating=rating, data=data)
    rating.refresh_from_db()
    assert (rating.rater, rating.grade, rating.comment) == (personas.leo, Grade.BASIC, "经常迟到")
    with pytest.raises(PermissionDenied):
        identified_rating_submit(actor=personas.carl, rating=rating, data=data)


def test_no_rating_is_taken_after_the_round_closes(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    round_close(actor=personas.alice, round=draft_round)
    rating = self_rating(draft_round, personas)
    with pytest.raises(InvalidTransition):
        identified_rating_submit(
            actor=personas.carl, rating=rating, data=ratings_for([personas.carl_cadre.pk], draft_round)[0]
        )
    rating.refresh_from_db()
    assert rating.submitted_at is None
