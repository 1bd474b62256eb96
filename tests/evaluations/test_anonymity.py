"""Anonymity by construction: the schema has nowhere to put who rated whom, and the rows say nothing.

If one of these fails, someone added a column or a link that can tie a peer sheet to a rater: read
the docstring of evaluations/models.py before "fixing" the test.
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.db import connection, models

from evaluations.models import BallotToken, EvaluationRound, PeerRating, PeerScore, PeerSheet, RoundTurnout
from evaluations.services import OpenedRound, ballot_submit, hash_token, round_close
from project.audit.models import AuditEvent
from tests.conftest import Personas
from tests.evaluations.conftest import ratings_for

pytestmark = pytest.mark.django_db

PEER_TABLES = {
    PeerSheet: {"id", "round_id"},
    PeerRating: {"id", "sheet_id", "round_id", "subject_id", "grade", "comment"},
    PeerScore: {"rating_id", "manifestation_id", "value"},
}
TOKEN_COLUMNS = {"token_hash", "round_id", "unit_id", "subject_ids", "used"}
TELLTALES = ("token", "rater", "user", "author", "voter", "created", "updated", "time", "date", "_at", "ip", "agent")


def columns(model: type[models.Model]) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)}


def foreign_tables(model: type[models.Model]) -> set[str]:
    with connection.cursor() as cursor:
        return {
            table
            for _column, (_other, table) in connection.introspection.get_relations(cursor, model._meta.db_table).items()
        }


@pytest.mark.parametrize("model", list(PEER_TABLES))
def test_peer_tables_have_exactly_the_columns_that_say_what_was_rated(model: type[models.Model]) -> None:
    assert columns(model) == PEER_TABLES[model]
    assert not [c for c in columns(model) if any(word in c for word in TELLTALES)]


@pytest.mark.parametrize("model", list(PEER_TABLES))
def test_peer_models_have_no_time_user_or_token_field(model: type[models.Model]) -> None:
    for field in model._meta.get_fields():
        assert not isinstance(field, models.DateField | models.DateTimeField | models.TimeField), field
        related = getattr(field, "related_model", None)
        assert related not in {apps.get_model("org", "User"), BallotToken}, field
        assert not getattr(field, "auto_now", False)
        assert not getattr(field, "auto_now_add", False)


def test_a_peer_sheet_knows_only_its_round_and_its_ratings() -> None:
    assert {f.name for f in PeerSheet._meta.get_fields()} == {"id", "round", "ratings"}
    assert foreign_tables(PeerSheet) == {EvaluationRound._meta.db_table}


def test_a_ballot_token_has_no_timestamp_no_holder_and_no_reference_to_a_sheet() -> None:
    assert columns(BallotToken) == TOKEN_COLUMNS
    assert not [
        c for c in columns(BallotToken) if any(w in c for w in ("time", "date", "_at", "user", "sheet", "rater"))
    ]
    assert foreign_tables(BallotToken) == {EvaluationRound._meta.db_table, "org_unit"}
    assert PeerSheet._meta.db_table not in foreign_tables(BallotToken)


def test_the_frozen_turnout_holds_only_counts_per_unit() -> None:
    assert columns(RoundTurnout) == {"id", "round_id", "unit_id", "issued", "used"}
    assert foreign_tables(RoundTurnout) == {EvaluationRound._meta.db_table, "org_unit"}


def test_after_the_close_no_token_row_is_left_to_match_a_sheet_by_transaction_id(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    # A used token row carries its sheet's xmin on PostgreSQL (docs/SECURITY.md): the close deletes them all.
    first = opened.tokens[0]
    ballot_submit(token=first.token, ratings=ratings_for(first.subject_ids, draft_round))
    round_close(actor=personas.alice, round=draft_round)
    assert not BallotToken.objects.filter(round=draft_round).exists()
    assert list(RoundTurnout.objects.filter(round=draft_round).values_list("issued", "used")) == [(2, 1)]
    assert not PeerSheet.objects.filter(round=draft_round).exists()  # sealed (tests/evaluations/test_sealing.py)


def test_no_table_anywhere_points_at_a_sheet_except_its_own_ratings() -> None:
    pointing = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model in {PeerSheet, PeerRating}
    }
    assert pointing == {("evaluations.PeerRating", "sheet"), ("evaluations.PeerScore", "rating")}


def test_after_a_ballot_the_token_row_changed_only_used_and_nothing_links_it_to_the_sheet(
    draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    first, second = opened.tokens
    before = BallotToken.objects.filter(pk=hash_token(first.token)).values().get()
    ballot_submit(token=first.token, ratings=ratings_for(first.subject_ids, draft_round))
    ballot_submit(token=second.token, ratings=ratings_for(second.subject_ids, draft_round))

    after = BallotToken.objects.filter(pk=hash_token(first.token)).values().get()
    assert {key for key in before if before[key] != after[key]} == {"used"}

    sheet_ids = list(PeerSheet.objects.values_list("id", flat=True))
    assert len(sheet_ids) == 2
    assert all(isinstance(pk, uuid.UUID) and pk.version == 4 for pk in sheet_ids)
    # Random, not a counter: the two ids share no long common prefix and do not differ by one.
    assert abs(sheet_ids[0].int - sheet_ids[1].int) > 2**64
    rating_ids = list(PeerRating.objects.values_list("id", flat=True))
    assert all(pk.version == 4 for pk in rating_ids)

    # Nothing stored anywhere carries the token or its hash next to a sheet id.
    stored = [str(v) for row in PeerSheet.objects.values() for v in row.values()]
    stored += [str(v) for row in PeerRating.objects.values() for v in row.values()]
    assert not [v for v in stored if first.token in v or after["token_hash"] in v]
    trail = " ".join(f"{e.summary} {e.data} {e.object_id}" for e in AuditEvent.objects.all())
    assert not [str(pk) for pk in sheet_ids if str(pk) in trail]
    assert after["token_hash"] not in trail
    assert first.token not in trail
