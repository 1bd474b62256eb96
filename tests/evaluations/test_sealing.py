"""Sealing at close (evaluations.sealing): the figures scoring needs from the sheets are frozen, then nothing
is left that groups a person's ratings — no sheet, no shared transaction id, no neighbouring rows."""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from evaluations.aggregates import round_inputs, sheet_figures
from evaluations.models import EvaluationRound, Grade, PeerRating, PeerScore, PeerSheet, RoundState, SheetFigures
from evaluations.sealing import DISSOLVE, VACUUMED_AFTER_CLOSE
from evaluations.services import RatingInput, ballot_submit, round_close, round_open
from evaluations.tasks import vacuum_after_close
from project.org.models import Unit
from tests.conftest import Org, Personas
from tests.evaluations.conftest import create_round, manifestation_ids, populate
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

GRADES = tuple(Grade.values)


@pytest.fixture
def unit_round(org: Org, personas: Personas) -> EvaluationRound:
    """A round over a section of 8 cadres, where each of 8 ballots rates the 7 others (a small unit)."""
    section: Unit = personas.carl_cadre.unit
    populate(section, 6, "seal")
    return create_round(personas.alice, section)


def submit_every_ballot(round: EvaluationRound, personas: Personas) -> None:
    """Different answers on every ballot; the last one straight-lined (every answer 2)."""
    opened = round_open(actor=personas.alice, round=round)
    items = manifestation_ids(round)
    for b, ballot in enumerate(opened.tokens):
        straight = b == len(opened.tokens) - 1
        ratings = [
            RatingInput(
                subject_id=subject,
                grade=GRADES[(b + s) % len(GRADES)],
                scores={m: 2 if straight else (b * 3 + s + i) % 5 for i, m in enumerate(items)},
                comment=f"第{b}张第{s}人",
            )
            for s, subject in enumerate(ballot.subject_ids)
        ]
        ballot_submit(token=ballot.token, ratings=ratings)


def stored(round: EvaluationRound) -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]:
    ratings = Counter(PeerRating.objects.filter(round=round).values_list("id", "subject_id", "grade", "comment"))
    scores = Counter(
        PeerScore.objects.filter(rating__round=round).values_list("rating_id", "manifestation_id", "value")
    )
    return ratings, scores


def in_table_order(round: EvaluationRound) -> list[str]:
    """The round's rating ids in the order the rows lie in the table (PostgreSQL's ctid, SQLite's rowid)."""
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM evaluations_peerrating WHERE round_id = %s ORDER BY {order}", [round.pk])
        return [str(row[0]).replace("-", "") for row in cursor.fetchall()]


def test_the_close_freezes_the_sheet_figures_and_dissolves_the_sheets(
    unit_round: EvaluationRound, personas: Personas
) -> None:
    submit_every_ballot(unit_round, personas)
    figures, straight_ballots = sheet_figures(unit_round.pk, k=unit_round.k_anonymity)
    assert straight_ballots == 1
    assert any(figure.offset_sheets for figure in figures.values())  # severity offsets were computed
    before = stored(unit_round)
    assert PeerSheet.objects.filter(round=unit_round).count() == 8

    round_close(actor=personas.alice, round=unit_round)

    assert not PeerSheet.objects.filter(round=unit_round).exists()
    assert not PeerRating.objects.filter(round=unit_round, sheet__isnull=False).exists()
    assert stored(unit_round) == before  # every rating and score, unchanged but for the sheet
    frozen = {
        row.subject_id: (row.offset_sum, row.offset_sheets, row.straight_lined_sheets)
        for row in SheetFigures.objects.filter(round=unit_round)
    }
    assert frozen == {
        subject: (figure.offset_sum, figure.offset_sheets, figure.straight_lined_sheets)
        for subject, figure in figures.items()
    }
    assert EvaluationRound.objects.get(pk=unit_round.pk).straight_lined_ballots == 1
    assert sheet_figures(unit_round.pk, k=unit_round.k_anonymity) == ({}, 0)  # nothing left to group


def test_after_the_close_no_sheet_lies_together_in_the_table(unit_round: EvaluationRound, personas: Personas) -> None:
    submit_every_ballot(unit_round, personas)
    sheets = [
        {str(pk).replace("-", "") for pk in PeerRating.objects.filter(sheet=sheet).values_list("id", flat=True)}
        for sheet in PeerSheet.objects.filter(round=unit_round)
    ]
    order = in_table_order(unit_round)
    # Before: each sheet's 7 ratings are neighbours, in the order the sheets arrived.
    assert all(max(order.index(r) for r in sheet) - min(order.index(r) for r in sheet) == 6 for sheet in sheets)

    round_close(actor=personas.alice, round=unit_round)

    order = in_table_order(unit_round)
    assert sorted(order) == sorted(r for sheet in sheets for r in sheet)
    # After: shuffled. The chance that a given sheet's 7 of 56 rows land side by side is about 1 in 900,000.
    assert not [
        sheet for sheet in sheets if max(order.index(r) for r in sheet) - min(order.index(r) for r in sheet) == 6
    ]


@pytest.mark.postgres
def test_after_the_close_every_rating_and_score_row_carries_the_same_transaction_id(
    unit_round: EvaluationRound, personas: Personas
) -> None:
    require_postgres()  # xmin is PostgreSQL's
    submit_every_ballot(unit_round, personas)
    xmins = "SELECT COUNT(DISTINCT xmin::text) FROM {table} WHERE {where}"
    where_ratings = "round_id = %s"
    where_scores = "rating_id IN (SELECT id FROM evaluations_peerrating WHERE round_id = %s)"

    def distinct_xmins() -> tuple[int, int]:
        with connection.cursor() as cursor:
            counts = []
            for table, where in (("evaluations_peerrating", where_ratings), ("evaluations_peerscore", where_scores)):
                cursor.execute(xmins.format(table=table, where=where), [unit_round.pk])
                counts.append(cursor.fetchone()[0])
        return counts[0], counts[1]

    assert distinct_xmins() == (8, 8)  # one transaction per ballot: the grouping, for anyone with SQL
    round_close(actor=personas.alice, round=unit_round)
    assert distinct_xmins() == (1, 1)


def test_identification_after_the_close_reads_the_frozen_figures(
    unit_round: EvaluationRound, personas: Personas
) -> None:
    submit_every_ballot(unit_round, personas)
    figures, _straight = sheet_figures(unit_round.pk, k=unit_round.k_anonymity)
    round_close(actor=personas.alice, round=unit_round)
    closed = EvaluationRound.objects.get(pk=unit_round.pk)
    inputs = round_inputs(closed, today=closed.period_end)
    assert inputs.straight_lined_ballots == 1
    by_subject = {subject.subject_id: subject for subject in inputs.subjects}
    for subject_id, figure in figures.items():
        subject = by_subject[subject_id]
        assert subject.peer_offset_sum == figure.offset_sum
        assert subject.peer_offset_sheets == figure.offset_sheets
        assert subject.straight_lined_sheets == figure.straight_lined_sheets
        assert subject.peer_ratings.sheets == 7


def test_the_migration_seals_rounds_closed_before_it(unit_round: EvaluationRound, personas: Personas) -> None:
    seal = importlib.import_module("evaluations.migrations.0004_sealed_sheets").seal_closed_rounds
    submit_every_ballot(unit_round, personas)
    figures, _straight = sheet_figures(unit_round.pk, k=unit_round.k_anonymity)
    EvaluationRound.objects.filter(pk=unit_round.pk).update(state=RoundState.CLOSED)  # closed the old way
    seal(apps, None)  # the live registry stands in for the migration's historical one
    assert not PeerSheet.objects.filter(round=unit_round).exists()
    assert SheetFigures.objects.filter(round=unit_round).count() == len(figures)
    seal(apps, None)  # a second run finds nothing to seal
    assert SheetFigures.objects.filter(round=unit_round).count() == len(figures)


def test_the_sealing_statements_name_the_models_tables() -> None:
    named = " ".join(statement for statement, _takes_round in DISSOLVE)
    for model in (PeerRating, PeerScore, PeerSheet):
        assert model._meta.db_table in named
    # The statements copy these columns: a new one would be lost at close, so this must fail first.
    assert {f.column for f in PeerRating._meta.concrete_fields} == {
        "id",
        "sheet_id",
        "round_id",
        "subject_id",
        "grade",
        "comment",
    }
    assert {f.column for f in PeerScore._meta.concrete_fields} == {"rating_id", "manifestation_id", "value"}


def test_a_close_asks_for_a_vacuum_once_it_has_committed(
    unit_round: EvaluationRound, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    submit_every_ballot(unit_round, personas)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        round_close(actor=personas.alice, round=unit_round)
    assert vacuum_after_close.delay in callbacks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_vacuum_after_a_close_runs_outside_any_transaction_on_postgresql(personas: Personas) -> None:
    require_postgres()

    def last_vacuums() -> dict[str, object]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                [list(VACUUMED_AFTER_CLOSE)],
            )
            return dict(cursor.fetchall())

    before = last_vacuums()
    assert vacuum_after_close() == "vacuumed"
    after = last_vacuums()
    assert set(after) == set(VACUUMED_AFTER_CLOSE)
    assert all(after[table] is not None and after[table] != before.get(table) for table in VACUUMED_AFTER_CLOSE)
