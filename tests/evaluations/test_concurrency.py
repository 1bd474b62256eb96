"""One token, many simultaneous submissions: exactly one sheet (real row locks, PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import Sum

from evaluations.exceptions import EvaluationError
from evaluations.models import BallotToken, EvaluationRound, PeerRating, PeerSheet, RoundTurnout
from evaluations.services import IssuedToken, OpenedRound, ballot_submit, round_close
from tests.conftest import Personas
from tests.evaluations.conftest import ratings_for
from tests.services import require_postgres

THREADS = 20


def run_together(jobs: list[Callable[[], str]]) -> list[str]:
    """Start every job at the same instant, each thread on its own connection; collect the outcomes.

    A job returns its outcome; a domain refusal counts as its code ("used", "closed", …).
    """
    start = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(job: Callable[[], str]) -> None:
        try:
            start.wait()
            outcome = job()
        except EvaluationError as error:
            outcome = error.code
        except BaseException as error:
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def submit(ballot: IssuedToken, round: EvaluationRound) -> Callable[[], str]:
    ratings = ratings_for(ballot.subject_ids, round)

    def job() -> str:
        ballot_submit(token=ballot.token, ratings=ratings)
        return "stored"

    return job


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submissions_of_one_token_store_exactly_one_sheet(
    draft_round: EvaluationRound, opened: OpenedRound
) -> None:
    require_postgres()
    ballot = opened.tokens[0]

    outcomes = run_together([submit(ballot, draft_round)] * THREADS)

    assert Counter(outcomes) == {"stored": 1, "used": THREADS - 1}
    assert PeerSheet.objects.count() == 1
    assert PeerRating.objects.count() == len(ballot.subject_ids)
    assert BallotToken.objects.filter(used=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_tokens_submitted_at_once_are_all_stored(draft_round: EvaluationRound, opened: OpenedRound) -> None:
    require_postgres()
    first, second = opened.tokens

    outcomes = run_together([submit(first, draft_round), submit(second, draft_round)] * (THREADS // 2))

    assert Counter(outcomes) == {"stored": 2, "used": THREADS - 2}
    assert PeerSheet.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_ballot_slips_in_after_the_round_closes(
    draft_round: EvaluationRound, opened: OpenedRound, personas: Personas
) -> None:
    require_postgres()
    first, second = opened.tokens

    def close() -> str:
        round_close(actor=personas.alice, round=draft_round)
        return "round closed"

    outcomes = run_together([submit(first, draft_round), close, submit(second, draft_round)])

    assert "round closed" in outcomes
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    # A ballot either went in before the close or found its token deleted by it ("unknown").
    assert set(outcomes) <= {"round closed", "stored", "unknown"}, outcomes
    # Whatever the order, a sheet exists exactly for the tokens marked used, and every sheet was
    # committed before the close (the close waited for it, or the ballot saw the round closed).
    # The close deleted the tokens: the turnout it froze counts the used ones.
    assert not BallotToken.objects.exists()
    used = RoundTurnout.objects.filter(round=draft_round).aggregate(used=Sum("used"))["used"]
    # The close dissolved the sheets (evaluations.sealing); each of these ballots rates one colleague, so
    # the ratings count the sheets.
    assert {len(token.subject_ids) for token in opened.tokens} == {1}
    assert not PeerSheet.objects.exists()
    assert PeerRating.objects.filter(round=draft_round).count() == used == Counter(outcomes)["stored"]
