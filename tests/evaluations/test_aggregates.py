"""The SQL aggregates equal the row-by-row definition (tests/evaluations/test_scoring.py's oracle).

Rounds are built through the real services; the reference reads the stored rows back into Python — before
the close, which dissolves the sheets (evaluations.sealing) — and computes what scoring.SubjectInput must
hold, sheet by sheet. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import fmean
from typing import Any

import pytest

from evaluations.aggregates import months_before, peer_aggregates, round_inputs
from evaluations.models import (
    UNFAVOURABLE_GRADES,
    EvaluationRound,
    IdentifiedRating,
    IdentifiedScore,
    Manifestation,
    PeerRating,
    PeerScore,
    Relation,
)
from evaluations.scoring import RelationAggregate, SubjectInput
from evaluations.services import RoundOptions, round_close
from project.org.models import CadreMark, MarkKind
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import BuiltRound, build_closed_round
from tests.evaluations.test_scoring import PeerSheet, peer_inputs_from_sheets, straight_lined_ballots

pytestmark = pytest.mark.django_db

TODAY = date(2026, 7, 15)


def codes_of(round: EvaluationRound) -> list[tuple[int, str]]:
    return list(Manifestation.objects.filter(round=round).order_by("order", "code").values_list("pk", "code"))


def peer_rows(round: EvaluationRound) -> list[PeerSheet]:
    """Every stored peer rating as the oracle's PeerSheet, scores in manifestation order."""
    order = {mid: i for i, (mid, _code) in enumerate(codes_of(round))}
    values: dict[Any, list[int]] = defaultdict(lambda: [0] * len(order))
    for rating_id, mid, value in PeerScore.objects.filter(rating__round=round).values_list(
        "rating_id", "manifestation_id", "value"
    ):
        values[rating_id][order[mid]] = value
    return [
        PeerSheet(str(sheet_id), subject_id, tuple(values[rating_id]), grade in UNFAVOURABLE_GRADES)
        for rating_id, sheet_id, subject_id, grade in PeerRating.objects.filter(round=round).values_list(
            "pk", "sheet_id", "subject_id", "grade"
        )
    ]


def identified_reference(round: EvaluationRound, relation: str) -> dict[int, RelationAggregate]:
    """Self or leader aggregates computed sheet by sheet from the submitted ratings."""
    codes = dict(codes_of(round))
    sheets: dict[int, list[tuple[bool, dict[str, int]]]] = defaultdict(list)
    for rating in IdentifiedRating.objects.filter(round=round, relation=relation, submitted_at__isnull=False):
        scores = {codes[s.manifestation_id]: s.value for s in IdentifiedScore.objects.filter(rating=rating)}
        sheets[rating.subject_id].append((rating.grade in UNFAVOURABLE_GRADES, scores))
    return {
        subject: RelationAggregate(
            len(rated),
            fmean(fmean(scores.values()) for _u, scores in rated),
            sum(u for u, _s in rated),
            {code: fmean(scores[code] for _u, scores in rated) for code in codes.values()},
        )
        for subject, rated in sheets.items()
    }


def assert_same_relation(actual: RelationAggregate, expected: RelationAggregate) -> None:
    assert actual.sheets == expected.sheets
    assert actual.unfavourable == expected.unfavourable
    assert actual.mean == pytest.approx(expected.mean)
    assert dict(actual.per_manifestation) == pytest.approx(dict(expected.per_manifestation))


def build_and_close(org: Org, personas: Personas, **options: Any) -> tuple[BuiltRound, list[PeerSheet]]:
    """The built round, closed, and its peer rows as they were grouped in sheets before the close."""
    built = build_closed_round(org, personas, close=False, **options)
    rows = peer_rows(built.round)
    assert len({row.ballot for row in rows}) > 1
    round_close(actor=personas.alice, round=built.round)
    built.round.refresh_from_db()
    return built, rows


def assert_matches_reference(built: BuiltRound, rows: list[PeerSheet]) -> dict[int, SubjectInput]:
    round = built.round
    inputs = round_inputs(round, today=TODAY)
    by_subject = {s.subject_id: s for s in inputs.subjects}
    expected_peers = peer_inputs_from_sheets(rows, round.k_anonymity)
    expected_self = identified_reference(round, Relation.SELF)
    expected_leader = identified_reference(round, Relation.LEADER)
    for subject_id, actual in by_subject.items():
        expected = expected_peers.get(subject_id, SubjectInput(subject_id))
        assert_same_relation(actual.peer_ratings, expected.peer_ratings)
        assert actual.peer_offset_sum == pytest.approx(expected.peer_offset_sum, abs=1e-9)
        assert actual.peer_offset_sheets == expected.peer_offset_sheets
        assert actual.straight_lined_sheets == expected.straight_lined_sheets
        assert_same_relation(actual.self_rating, expected_self.get(subject_id, RelationAggregate()))
        assert_same_relation(actual.leader_ratings, expected_leader.get(subject_id, RelationAggregate()))
    assert inputs.straight_lined_ballots == len(straight_lined_ballots(rows))
    return by_subject


def test_the_aggregates_of_a_round_where_everyone_rates_everyone_equal_the_row_by_row_reference(
    org: Org, personas: Personas
) -> None:
    built, rows = build_and_close(org, personas)
    by_subject = assert_matches_reference(built, rows)
    # The fixture is what it says: a straight-lined ballot, offsets applied, and groups below k.
    assert built.straight_lined_ballots == 1
    assert all(by_subject[c.pk].peer_ratings.sheets == 1 for c in built.section_2)
    assert by_subject[built.leo_cadre.pk].peer_ratings.sheets == 0
    assert by_subject[built.dora.pk].peer_offset_sheets > 0
    assert by_subject[built.dora.pk].straight_lined_sheets == 1


def test_the_aggregates_of_a_sampled_round_with_uneven_reference_sets_equal_the_reference(
    org: Org, personas: Personas
) -> None:
    built, rows = build_and_close(org, personas, options=RoundOptions(small_unit_size=4, min_peer_sheets=3), seed=11)
    by_subject = assert_matches_reference(built, rows)
    peer_counts = {by_subject[c.pk].peer_ratings.sheets for c in built.section_1}
    assert peer_counts <= {2, 3}  # one ballot never came back: some groups fall below k


def test_a_higher_k_moves_fewer_ballots_and_still_equals_the_reference(org: Org, personas: Personas) -> None:
    built, rows = build_and_close(org, personas, options=RoundOptions(k_anonymity=6), seed=3)
    assert_matches_reference(built, rows)


def test_every_cadre_of_the_round_has_inputs_even_when_nobody_rated_them(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    inputs = round_inputs(built.round, today=TODAY)
    everyone = {c.pk for c in [*built.section_1, *built.section_2, built.dora, personas.carl_cadre, built.leo_cadre]}
    assert {s.subject_id for s in inputs.subjects} == everyone
    assert inputs.unit_of[built.dora.pk] == built.dora.unit_id
    assert inputs.manifestation_codes == ("M1", "M2", "M3", "M4", "M5")


def test_a_round_without_peer_sheets_has_no_peer_aggregates_and_no_straight_lined_ballots(
    org: Org, personas: Personas
) -> None:
    built = build_closed_round(org, personas, close=False)
    PeerRating.objects.filter(round=built.round).delete()  # as if no ballot had come back
    round_close(actor=personas.alice, round=built.round)
    built.round.refresh_from_db()
    assert peer_aggregates(built.round.pk, manifestations=codes_of(built.round)) == {}
    assert built.round.straight_lined_ballots == 0
    inputs = round_inputs(built.round, today=TODAY)
    assert all(s.peer_ratings.sheets == 0 for s in inputs.subjects)
    assert inputs.straight_lined_ballots == 0


def test_every_average_comes_back_as_a_float_not_a_decimal(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    for subject in round_inputs(built.round, today=TODAY).subjects:
        for aggregate in (subject.self_rating, subject.peer_ratings, subject.leader_ratings):
            assert aggregate.mean is None or type(aggregate.mean) is float
            assert all(type(v) is float for v in aggregate.per_manifestation.values())
        assert type(subject.peer_offset_sum) is float


# --- Marks: relapse and "no negative evaluation" ------------------------------------------------------


def mark(cadre: Any, kind: str, valid_from: date, valid_until: date | None = None) -> None:
    CadreMark.objects.create(cadre=cadre, kind=kind, valid_from=valid_from, valid_until=valid_until, source="test")


@pytest.mark.parametrize(
    ("closed_on", "relapse"),
    [
        (date(2024, 6, 30), True),  # exactly 24 months before the period end (2026-06-30)
        (date(2024, 6, 29), False),
        (date(2026, 6, 30), True),
        (date(2026, 7, 1), False),  # after the period: not "before the round's period end"
    ],
)
def test_a_case_closed_within_24_months_before_the_period_end_is_a_relapse(
    org: Org, personas: Personas, closed_on: date, relapse: bool
) -> None:
    built = build_closed_round(org, personas)
    mark(built.dora, MarkKind.CASE_CLOSED, closed_on, closed_on.replace(year=closed_on.year + 2))
    by_subject = {s.subject_id: s for s in round_inputs(built.round, today=TODAY).subjects}
    assert by_subject[built.dora.pk].relapse is relapse
    assert not any(s.relapse for sid, s in by_subject.items() if sid != built.dora.pk)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "applies"),
    [
        (date(2025, 1, 1), None, True),
        (date(2025, 1, 1), date(2026, 6, 30), True),  # in force on the period end
        (date(2025, 1, 1), date(2026, 6, 29), False),  # ended before it
        (date(2026, 7, 10), date(2027, 7, 10), True),  # decided after the period, before identification
        (date(2026, 7, 16), None, False),  # after the identification day
    ],
)
def test_a_no_negative_evaluation_mark_applies_when_in_force_between_period_end_and_identification(
    org: Org, personas: Personas, valid_from: date, valid_until: date | None, applies: bool
) -> None:
    built = build_closed_round(org, personas)
    mark(built.dora, MarkKind.NO_NEGATIVE_EVALUATION, valid_from, valid_until)
    mark(built.dora, MarkKind.SANCTION, date(2026, 1, 1))  # other kinds mean nothing here
    by_subject = {s.subject_id: s for s in round_inputs(built.round, today=TODAY).subjects}
    assert by_subject[built.dora.pk].no_negative_evaluation is applies
    assert by_subject[built.dora.pk].relapse is False


def test_marks_of_cadres_outside_the_round_are_not_read(org: Org, personas: Personas) -> None:
    built = build_closed_round(org, personas)
    mark(personas.bella_cadre, MarkKind.CASE_CLOSED, date(2026, 1, 1))
    inputs = round_inputs(built.round, today=TODAY)
    assert personas.bella_cadre.pk not in {s.subject_id for s in inputs.subjects}


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 6, 30), 24, date(2024, 6, 30)),
        (date(2028, 2, 29), 24, date(2026, 2, 28)),
        (date(2026, 1, 31), 1, date(2025, 12, 31)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
    ],
)
def test_months_before_holds_the_day_at_the_end_of_a_shorter_month(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_a_rating_missing_an_answer_is_averaged_through_its_own_mean_and_changes_no_one_else(
    org: Org, personas: Personas
) -> None:
    # The services never store such a rating (services._check_ratings); the aggregates must still be right.
    built, _rows = build_and_close(org, personas)
    before = {s.subject_id: s for s in round_inputs(built.round, today=TODAY).subjects}
    dora = built.dora.pk
    codes = dict(codes_of(built.round))
    ratings = list(PeerRating.objects.filter(round=built.round, subject_id=dora).values_list("pk", flat=True))
    first_code = codes_of(built.round)[0]
    PeerScore.objects.filter(rating_id=ratings[0], manifestation_id=first_code[0]).delete()

    after = {s.subject_id: s for s in round_inputs(built.round, today=TODAY).subjects}
    answers: dict[Any, dict[str, int]] = defaultdict(dict)
    for rating_id, mid, value in PeerScore.objects.filter(rating_id__in=ratings).values_list(
        "rating_id", "manifestation_id", "value"
    ):
        answers[rating_id][codes[mid]] = value
    assert len(answers[ratings[0]]) == 4
    expected_mean = fmean(fmean(scores.values()) for scores in answers.values())  # the mean of sheet means
    assert expected_mean != pytest.approx(
        sum(sum(a.values()) for a in answers.values()) / sum(len(a) for a in answers.values())
    )
    peers = after[dora].peer_ratings
    assert peers.sheets == len(ratings)
    assert peers.mean == pytest.approx(expected_mean)
    assert dict(peers.per_manifestation) == pytest.approx(
        {code: fmean(a[code] for a in answers.values() if code in a) for code in codes.values()}
    )
    assert {k: v for k, v in after.items() if k != dora} == {k: v for k, v in before.items() if k != dora}
