"""Sealing a round's peer sheets when it closes: what scoring needs from their grouping is frozen, then the
grouping is dissolved, so that no one with SQL access can tell which ratings one person gave.

Why: a sheet's subject set can name its rater — in a small unit every colleague rates every other, so a
sheet rates the unit minus its rater (docs/SECURITY.md, "Known limits"). Scoring needs the grouping for
two things only, the ballots' severity offsets and straight-lining (evaluations.scoring), and both are
determined once the round closes (no sheet arrives after, and k cannot change after the round is
created). So, in the closing transaction:

1. `aggregates.sheet_figures` computes them from the sheets, and they are stored: SheetFigures per cadre,
   EvaluationRound.straight_lined_ballots for the round.
2. The round's ratings and scores are rewritten with no sheet, in a random order, and the sheets deleted.
   Setting `sheet_id` to NULL would not be enough: a sheet's rows were inserted by one transaction (they
   share PostgreSQL's `xmin`) and lie next to each other in the table (`ctid`, SQLite's rowid), in the
   order the sheets arrived. Rewritten, every row carries the closing transaction's id and sits at a
   random place. Ratings keep their random UUIDs and their scores: a rating is one opinion of one
   colleague and names nobody.

What remains (docs/SECURITY.md): the old row versions stay in PostgreSQL's pages until VACUUM (docs/DEPLOY.md,
"After closing a round"), and backups or WAL taken while the round was open hold the sheets.
"""

from __future__ import annotations

from django.db import connection

from evaluations.aggregates import SheetFigure, postgres_settings, sheet_figures
from evaluations.bulk import BulkInserter
from evaluations.models import EvaluationRound, SheetFigures

# The statements name the tables as the models do (checked in tests/evaluations/test_sealing.py). The two
# temporary tables are dropped at the end; on PostgreSQL they are never written to the WAL. Children before
# parents: the foreign keys hold at every statement. An error rolls the whole closing transaction back, the
# temporary tables with it (DDL is transactional on both engines). The INSERTs take the rows in the order
# of the ratings' ids, which is the order they land in the table: the ids are random (uuid4), so that order
# is a random permutation with regard to the sheets — and, unlike ORDER BY RANDOM(), it walks the primary
# key indexes in order (941,000 scores of a 20,000-cadre round: 21.7 s in random order, on a loaded machine).
DISSOLVE: tuple[tuple[str, bool], ...] = (  # (statement, takes the round's id)
    (
        "CREATE TEMPORARY TABLE evaluations_sealing_ratings AS"
        " SELECT id, round_id, subject_id, grade, comment FROM evaluations_peerrating WHERE round_id = %s",
        True,
    ),
    (
        "CREATE TEMPORARY TABLE evaluations_sealing_scores AS SELECT rating_id, manifestation_id, value"
        " FROM evaluations_peerscore WHERE rating_id IN (SELECT id FROM evaluations_sealing_ratings)",
        False,
    ),
    ("DELETE FROM evaluations_peerscore WHERE rating_id IN (SELECT id FROM evaluations_sealing_ratings)", False),
    ("DELETE FROM evaluations_peerrating WHERE round_id = %s", True),
    ("DELETE FROM evaluations_peersheet WHERE round_id = %s", True),
    (
        "INSERT INTO evaluations_peerrating (sheet_id, id, round_id, subject_id, grade, comment)"
        " SELECT NULL, id, round_id, subject_id, grade, comment FROM evaluations_sealing_ratings ORDER BY id",
        False,
    ),
    (
        "INSERT INTO evaluations_peerscore (rating_id, manifestation_id, value)"
        " SELECT rating_id, manifestation_id, value FROM evaluations_sealing_scores"
        " ORDER BY rating_id, manifestation_id",
        False,
    ),
    ("DROP TABLE evaluations_sealing_scores", False),
    ("DROP TABLE evaluations_sealing_ratings", False),
)


def seal_peer_sheets(round: EvaluationRound) -> None:
    """Freeze the round's sheet figures and dissolve its sheets.

    Call inside the closing transaction (services.round_close), with the round locked and no ballot in
    flight (round_close holds the round's row: a submission holds it FOR SHARE).
    """
    with postgres_settings():
        figures, straight_ballots = sheet_figures(round.pk, k=round.k_anonymity)
        _freeze(round, figures, straight_ballots)
        _dissolve(round.pk)


def _freeze(round: EvaluationRound, figures: dict[int, SheetFigure], straight_ballots: int) -> None:
    frozen = BulkInserter(
        SheetFigures, ("round_id", "subject_id", "offset_sum", "offset_sheets", "straight_lined_sheets")
    )
    for subject_id, figure in sorted(figures.items()):
        frozen.add((round.pk, subject_id, figure.offset_sum, figure.offset_sheets, figure.straight_lined_sheets))
    frozen.flush()
    EvaluationRound.objects.filter(pk=round.pk).update(straight_lined_ballots=straight_ballots)
    round.straight_lined_ballots = straight_ballots


def _dissolve(round_id: int) -> None:
    with connection.cursor() as cursor:
        for statement, takes_round in DISSOLVE:
            cursor.execute(statement, [round_id] if takes_round else [])


# What a round's close deletes or rewrites (its tokens, its sheets, its ratings and scores).
VACUUMED_AFTER_CLOSE = (
    "evaluations_ballottoken",
    "evaluations_peersheet",
    "evaluations_peerrating",
    "evaluations_peerscore",
)


def vacuum_after_close() -> bool:
    """VACUUM the tables a close rewrote, so that the old row versions — tokens with their sheets'
    transaction ids, ratings grouped by sheet — do not stay in PostgreSQL's pages until autovacuum comes by.
    Outside any transaction (VACUUM cannot run in one): the Celery task evaluations.tasks.vacuum_after_close,
    enqueued when a close commits. On SQLite nothing (a development database); returns whether it ran.
    A transaction older than the close, still open somewhere, keeps those versions until it ends."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("VACUUM " + ", ".join(VACUUMED_AFTER_CLOSE))
    return True
