"""The scoring inputs of a round, computed with GROUP BY in the database (evaluations.scoring's docstring
says which aggregates, and why). Python only ever loops over per-SUBJECT rows, never over ratings.

At close, once (`sheet_figures`, called by evaluations.sealing before the sheets are dissolved): one CTE
chain over PeerRating ⋈ PeerScore grouped by sheet — per rating its sheet score, lowest and highest
answer; per subject n(s) and m(s); per ballot (a PeerSheet) its offset o(b) over the subjects whose group
reaches k (kept when it has at least 3 of them) and whether it is straight-lined; per subject the sum and
count of its ballots' offsets and its straight-lined sheets; and, once, the round's straight-lined ballot
count. Frozen as SheetFigures and EvaluationRound.straight_lined_ballots.

At identification, each statement one pass over its rows (`_relation_aggregates`):

- peer: per subject its sheets and unfavourable grades from the ratings, and from the answers, grouped by
  subject, one sum and count per manifestation (the pass a plain GROUP BY over the scores makes); with the
  frozen SheetFigures.
- identified: the same per (subject, relation), for the submitted self and leader sheets.
- roster and marks: who the round's cadres are (and their unit now) and their CadreMarks.

Both backends: CTEs and CASE work on SQLite ≥ 3.8 and PostgreSQL. Means come from integer sums and counts
divided in Python (see SNAP_DIGITS: exact, so the same ratings round the same way on any engine and in any row
order); the floating-point work left in SQL (offsets) is done over DOUBLE PRECISION (SQLite reads the name as
REAL), so PostgreSQL returns floats, not Decimals, and `float()` is applied anyway.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from evaluations import scoring
from evaluations.models import (
    UNFAVOURABLE_GRADES,
    EvaluationRound,
    IdentifiedRating,
    IdentifiedScore,
    Manifestation,
    PeerRating,
    PeerScore,
    Relation,
    SheetFigures,
)
from project.org.models import Cadre, CadreMark, MarkKind


@dataclass(frozen=True)
class RoundInputs:
    """Everything identification needs from the database about one round."""

    subjects: tuple[scoring.SubjectInput, ...]
    unit_of: Mapping[int, int]  # cadre id → unit id when the round is identified
    straight_lined_ballots: int
    manifestation_codes: tuple[str, ...]


@dataclass
class _Relations:
    self_rating: scoring.RelationAggregate = field(default_factory=scoring.RelationAggregate)
    leader_ratings: scoring.RelationAggregate = field(default_factory=scoring.RelationAggregate)


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _pivot(manifestation_ids: Sequence[int]) -> tuple[str, list[int]]:
    """One `MAX(CASE …)` column per manifestation: a rating's answer to it (each rating has one)."""
    columns = ", ".join(
        f"MAX(CASE WHEN s.manifestation_id = %s THEN s.value END) AS m{i}" for i in range(len(manifestation_ids))
    )
    return columns, list(manifestation_ids)


def _sums(manifestation_ids: Sequence[int], source: str) -> str:
    """Per manifestation the sum and the count of the answers: exact integers, divided in Python."""
    return ", ".join(f"SUM({source}.m{i}) AS s{i}, COUNT({source}.m{i}) AS c{i}" for i in range(len(manifestation_ids)))


def _unfavourable_case() -> tuple[str, list[str]]:
    return "CASE WHEN r.grade IN (%s, %s) THEN 1 ELSE 0 END", [str(grade) for grade in UNFAVOURABLE_GRADES]


# Means are computed from integer sums and counts, never taken from a floating-point AVG: a float sum depends
# on the order the engine meets the rows, and a mean like 47/40 = 1.175 would then round to 1.17 or 1.18 from
# one run (or database) to the next. What SQL does sum in floating point (the offsets) is snapped to 1e-9.
SNAP_DIGITS = 9


def _mean(total: Any, answers: Any, float_mean: Any, fewest: Any, most: Any) -> float:
    """A relation's mean over sheets of the sheet means.

    Every rating scores every manifestation (services._check_ratings), so the sheets have equal numbers of
    answers and the mean of sheet means is the exact SUM / COUNT of the answers. Should that ever not hold,
    the engine's mean of sheet means is used as it is.
    """
    if fewest == most:
        return int(total) / int(answers)
    return float(float_mean)


def _per_manifestation(codes: Sequence[str], row: Sequence[Any], first: int) -> dict[str, float]:
    means = {}
    for i, code in enumerate(codes):
        total, count = row[first + 2 * i], row[first + 2 * i + 1]
        if count:
            means[code] = int(total) / int(count)
    return means


@dataclass(frozen=True)
class PeerAggregate:
    """A subject's peer aggregates, exactly the peer fields of scoring.SubjectInput."""

    ratings: scoring.RelationAggregate
    offset_sum: float
    offset_sheets: int
    straight_lined_sheets: int


@dataclass(frozen=True)
class SheetFigure:
    """A subject's figures that need the peer ratings grouped by sheet (frozen as models.SheetFigures)."""

    offset_sum: float
    offset_sheets: int
    straight_lined_sheets: int


def sheet_figures(round_id: int, *, k: int) -> tuple[dict[int, SheetFigure], int]:
    """Per subject the figures of its ballots, and the round's straight-lined ballot count: one statement over
    the ratings still grouped by sheet — an open round's, taken at close by evaluations.sealing."""
    ratings, scores = _table(PeerRating), _table(PeerScore)
    # `rated` and `ballot` are used several times, so both engines compute them once. m(s) includes every
    # sheet of s; only subjects with n(s) >= k count in a ballot's offset, and only ballots with >= 3 such
    # subjects are moved.
    sql = f"""
        WITH rated AS (
            SELECT r.sheet_id, r.subject_id, CAST(SUM(s.value) AS DOUBLE PRECISION) / COUNT(*) AS score,
                   MIN(s.value) AS low, MAX(s.value) AS high
            FROM {ratings} r JOIN {scores} s ON s.rating_id = r.id
            WHERE r.round_id = %s AND r.sheet_id IS NOT NULL
            GROUP BY r.id, r.sheet_id, r.subject_id
        ),
        subject AS (
            SELECT subject_id, COUNT(*) AS sheets, AVG(score) AS mean FROM rated GROUP BY subject_id
        ),
        ballot AS (
            SELECT rated.sheet_id,
                   CASE WHEN SUM(CASE WHEN subject.sheets >= %s THEN 1 ELSE 0 END) >= %s
                        THEN AVG(CASE WHEN subject.sheets >= %s THEN rated.score - subject.mean END) END
                        AS deviation,
                   CASE WHEN COUNT(*) >= %s AND MIN(rated.low) = MAX(rated.high) THEN 1 ELSE 0 END AS straight
            FROM rated JOIN subject ON subject.subject_id = rated.subject_id
            GROUP BY rated.sheet_id
        )
        SELECT rated.subject_id, COALESCE(SUM(ballot.deviation), 0), COUNT(ballot.deviation), SUM(ballot.straight),
               (SELECT COUNT(*) FROM ballot WHERE straight = 1) AS straight_ballots
        FROM rated JOIN ballot ON ballot.sheet_id = rated.sheet_id
        GROUP BY rated.subject_id
    """  # noqa: S608 (table names are the models' own; every value is a parameter)
    params = [round_id, k, scoring.SEVERITY_MIN_SUBJECTS, k, scoring.STRAIGHT_LINE_MIN_SUBJECTS]
    result: dict[int, SheetFigure] = {}
    straight_ballots = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for subject_id, offset_sum, offset_sheets, straight_sheets, straight in cursor.fetchall():
            straight_ballots = int(straight)
            result[int(subject_id)] = SheetFigure(
                offset_sum=round(float(offset_sum), SNAP_DIGITS),
                offset_sheets=int(offset_sheets),
                straight_lined_sheets=int(straight_sheets),
            )
    return result, straight_ballots


def _answer_columns(manifestation_ids: Sequence[int]) -> tuple[str, list[int]]:
    """Per manifestation the sum and the count of the answers to it, pivoted in the GROUP BY itself."""
    columns = ", ".join(
        "SUM(CASE WHEN s.manifestation_id = %s THEN s.value END), COUNT(CASE WHEN s.manifestation_id = %s THEN 1 END)"
        for _mid in manifestation_ids
    )
    return columns, [mid for mid in manifestation_ids for _twice in (1, 2)]


def _relation_aggregates(
    rating_model: Any,
    score_model: Any,
    *,
    where: str,
    params: Sequence[Any],
    keys: Sequence[str],
    manifestations: Sequence[tuple[int, str]],
) -> dict[tuple[Any, ...], scoring.RelationAggregate]:
    """Per key (a subject, or a subject and a relation) the aggregate of its ratings that match `where`.

    Two statements, one pass each: the ratings alone (sheets, unfavourable grades), and their answers
    grouped by key with one sum and count per manifestation — the same pass over the score rows as a plain
    GROUP BY. When every rating answers every manifestation (services._check_ratings), each manifestation's
    count equals the sheets, and the mean of the sheet means is the exact sum over the count of the answers.
    Should that not hold for a key, the per-rating statement is used for the round instead (`_mean`).
    """
    ids = [mid for mid, _code in manifestations]
    codes = [code for _mid, code in manifestations]
    ratings, scores = _table(rating_model), _table(score_model)
    group = ", ".join(f"r.{key}" for key in keys)
    unfavourable, grade_params = _unfavourable_case()
    answer_columns, answer_params = _answer_columns(ids)
    width = len(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {group}, COUNT(*), SUM({unfavourable}) FROM {ratings} r WHERE {where} GROUP BY {group}",  # noqa: S608
            [*grade_params, *params],
        )
        counted = {tuple(row[:width]): (int(row[width]), int(row[width + 1])) for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT {group}, {answer_columns} FROM {ratings} r JOIN {scores} s ON s.rating_id = r.id"  # noqa: S608
            f" WHERE {where} GROUP BY {group}",
            [*answer_params, *params],
        )
        answered = {tuple(row[:width]): row[width:] for row in cursor.fetchall()}
    result = {}
    for key, (sheets, unfavourable_sheets) in counted.items():
        row = answered.get(key, ())
        totals = [int(row[2 * i] or 0) if row else 0 for i in range(len(ids))]
        counts = [int(row[2 * i + 1]) if row else 0 for i in range(len(ids))]
        if any(count != sheets for count in counts):
            return _relation_aggregates_per_rating(
                ratings, scores, where=where, params=params, keys=keys, manifestations=manifestations
            )
        result[key] = scoring.RelationAggregate(
            sheets=sheets,
            mean=sum(totals) / sum(counts) if ids else 0.0,
            unfavourable=unfavourable_sheets,
            per_manifestation={code: totals[i] / counts[i] for i, code in enumerate(codes) if counts[i]},
        )
    return result


def _relation_aggregates_per_rating(
    ratings: str,
    scores: str,
    *,
    where: str,
    params: Sequence[Any],
    keys: Sequence[str],
    manifestations: Sequence[tuple[int, str]],
) -> dict[tuple[Any, ...], scoring.RelationAggregate]:
    """The same aggregates through each rating's own mean: for ratings that do not answer every manifestation,
    which the services never store (the mean of sheet means is then not the mean of the answers)."""
    ids = [mid for mid, _code in manifestations]
    codes = [code for _mid, code in manifestations]
    pivot, pivot_params = _pivot(ids)
    unfavourable, grade_params = _unfavourable_case()
    group = ", ".join(f"r.{key}" for key in keys)
    sql = f"""
        WITH rated AS (
            SELECT {group}, {unfavourable} AS unfavourable,
                   SUM(s.value) AS total, COUNT(*) AS answers,
                   CAST(SUM(s.value) AS DOUBLE PRECISION) / COUNT(*) AS score, {pivot}
            FROM {ratings} r JOIN {scores} s ON s.rating_id = r.id
            WHERE {where}
            GROUP BY r.id, {group}, r.grade
        )
        SELECT {", ".join(keys)}, COUNT(*), SUM(unfavourable),
               SUM(total), SUM(answers), AVG(score), MIN(answers), MAX(answers), {_sums(ids, "rated")}
        FROM rated GROUP BY {", ".join(keys)}
    """  # noqa: S608 (table names are the models' own; every value is a parameter)
    width = len(keys)
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*grade_params, *pivot_params, *params])
        for row in cursor.fetchall():
            result[tuple(row[:width])] = scoring.RelationAggregate(
                sheets=int(row[width]),
                mean=_mean(*row[width + 2 : width + 7]),
                unfavourable=int(row[width + 1]),
                per_manifestation=_per_manifestation(codes, row, width + 7),
            )
    return result


def peer_aggregates(round_id: int, *, manifestations: Sequence[tuple[int, str]]) -> dict[int, PeerAggregate]:
    """Per subject its peer aggregates: the ratings' (see _relation_aggregates), with the figures frozen from
    their sheets when the round closed (SheetFigures)."""
    ratings = _relation_aggregates(
        PeerRating,
        PeerScore,
        where="r.round_id = %s",
        params=[round_id],
        keys=("subject_id",),
        manifestations=manifestations,
    )
    figures = {
        subject_id: (offset_sum, offset_sheets, straight)
        for subject_id, offset_sum, offset_sheets, straight in SheetFigures.objects.filter(round_id=round_id)
        .values_list("subject_id", "offset_sum", "offset_sheets", "straight_lined_sheets")
        .iterator(chunk_size=5000)
    }
    result = {}
    for (subject_id,), aggregate in ratings.items():
        offset_sum, offset_sheets, straight = figures.get(subject_id, (0.0, 0, 0))
        result[int(subject_id)] = PeerAggregate(
            ratings=aggregate,
            offset_sum=round(float(offset_sum), SNAP_DIGITS),
            offset_sheets=int(offset_sheets),
            straight_lined_sheets=int(straight),
        )
    return result


def identified_aggregates(round_id: int, *, manifestations: Sequence[tuple[int, str]]) -> dict[int, _Relations]:
    """Per subject the submitted self sheet and leader sheets, aggregated like the peer ones."""
    aggregates = _relation_aggregates(
        IdentifiedRating,
        IdentifiedScore,
        where="r.round_id = %s AND r.submitted_at IS NOT NULL",
        params=[round_id],
        keys=("subject_id", "relation"),
        manifestations=manifestations,
    )
    result: dict[int, _Relations] = defaultdict(_Relations)
    for (subject_id, relation), aggregate in aggregates.items():
        if relation == Relation.SELF:
            result[int(subject_id)].self_rating = aggregate
        else:
            result[int(subject_id)].leader_ratings = aggregate
    return dict(result)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, held at the month's last day (29 Feb → 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def mark_flags(round: EvaluationRound, *, today: date) -> tuple[set[int], set[int]]:
    """(relapse, no negative evaluation): the round's cadres with each kind of CadreMark that applies.

    Relapse: a `case_closed` mark dated within RELAPSE_WINDOW_MONTHS before the round's period end (its
    `valid_from` is the closing day). No negative evaluation: a mark in force at any time from the period end
    to the day of identification — an exemption decided after the period but before the results is honoured,
    erring on the cadre's side as the scoring module does.
    """
    window_start = months_before(round.period_end, scoring.RELAPSE_WINDOW_MONTHS)
    relapse = Q(kind=MarkKind.CASE_CLOSED, valid_from__gte=window_start, valid_from__lte=round.period_end)
    exempt = Q(kind=MarkKind.NO_NEGATIVE_EVALUATION, valid_from__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=round.period_end)
    )
    cadres = IdentifiedRating.objects.filter(round=round).values("subject_id")
    relapsed: set[int] = set()
    exempted: set[int] = set()
    rows = CadreMark.objects.filter(relapse | exempt, cadre_id__in=cadres).values_list("cadre_id", "kind").distinct()
    for cadre_id, kind in rows:
        (relapsed if kind == MarkKind.CASE_CLOSED else exempted).add(cadre_id)
    return relapsed, exempted


def round_roster(round: EvaluationRound) -> dict[int, int]:
    """The round's cadres (every self and leader assignment made when it opened) → their unit now."""
    rows = (
        IdentifiedRating.objects.filter(round=round).order_by().values_list("subject_id", "subject__unit_id").distinct()
    )
    return dict(rows)


# For the aggregate statements on PostgreSQL, within the caller's transaction and undone after them:
# - work_mem: the default 4 MB per sort or hash makes the per-rating aggregate of a 20,000-cadre round spill
#   to disk;
# - jit: compiling costs more than it saves on these one-off statements;
# - enable_nestloop: a CTE grouped by subject is estimated at 200 rows when the ratings have no statistics
#   yet (a round closed before autovacuum analysed its ballots: seed_round, or a short round), and the
#   planner then joins 188,000 ratings to 20,000 subjects in a nested loop — minutes instead of a second.
#   Every join here is between whole aggregates, which hash joins suit at any size.
POSTGRES_SETTINGS = {"work_mem": "64MB", "jit": "off", "enable_nestloop": "off"}


@contextmanager
def postgres_settings() -> Iterator[None]:
    """POSTGRES_SETTINGS for the statements inside (on PostgreSQL; nothing on SQLite)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for name, value in POSTGRES_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    yield
    with connection.cursor() as cursor:
        for name in POSTGRES_SETTINGS:
            cursor.execute(f"RESET {name}")


def round_inputs(round: EvaluationRound, *, today: date) -> RoundInputs:
    """The scoring inputs of every cadre of the round, in a stable order (unit, then cadre id)."""
    manifestations = list(Manifestation.objects.filter(round=round).order_by("order", "code").values_list("pk", "code"))
    with transaction.atomic(), postgres_settings():
        peers = peer_aggregates(round.pk, manifestations=manifestations)
        identified = identified_aggregates(round.pk, manifestations=manifestations)
        relapsed, exempted = mark_flags(round, today=today)
        unit_of = round_roster(round)
    missing = set(peers).difference(unit_of)
    if missing:  # rated as a peer with no assignment: cannot happen through the services, but be complete
        unit_of.update(Cadre.objects.filter(pk__in=missing).values_list("pk", "unit_id"))
    subjects = []
    for subject_id in sorted(unit_of, key=lambda cadre_id: (unit_of[cadre_id], cadre_id)):
        peer = peers.get(subject_id)
        relations = identified.get(subject_id) or _Relations()
        subjects.append(
            scoring.SubjectInput(
                subject_id=subject_id,
                self_rating=relations.self_rating,
                peer_ratings=peer.ratings if peer else scoring.RelationAggregate(),
                leader_ratings=relations.leader_ratings,
                peer_offset_sum=peer.offset_sum if peer else 0.0,
                peer_offset_sheets=peer.offset_sheets if peer else 0,
                straight_lined_sheets=peer.straight_lined_sheets if peer else 0,
                relapse=subject_id in relapsed,
                no_negative_evaluation=subject_id in exempted,
            )
        )
    return RoundInputs(
        subjects=tuple(subjects),
        unit_of=unit_of,
        straight_lined_ballots=round.straight_lined_ballots or 0,
        manifestation_codes=tuple(code for _mid, code in manifestations),
    )
