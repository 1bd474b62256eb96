"""Celery interface of evaluations: ids in, call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from evaluations import sealing
from evaluations.identification import identification_execute
from evaluations.models import IdentificationRun

logger = logging.getLogger(__name__)


# acks_late + reject_on_worker_lost: a worker lost mid-run gives the message back; running again is
# harmless because identification_execute is idempotent (a done run is returned untouched, and an unfinished
# attempt's rows are cleared by the next one). No automatic retry: a failed run is shown on the results page
# and the organization department asks again.
@shared_task(
    name="evaluations.tasks.identify_round",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def identify_round(round_id: int) -> str:
    """Identify the round's candidates and freeze its results unless that is already done."""
    try:
        run = identification_execute(round_id=round_id)
    except IdentificationRun.DoesNotExist:
        logger.warning("round %s has no identification run; nothing to do", round_id)
        return "missing"
    logger.info("identification of round %s is %s", round_id, run.status)
    return str(run.status)


@shared_task(name="evaluations.tasks.vacuum_after_close", acks_late=True, reject_on_worker_lost=True)
def vacuum_after_close() -> str:
    """Reclaim the old row versions of a round's close (evaluations.sealing.vacuum_after_close)."""
    return "vacuumed" if sealing.vacuum_after_close() else "nothing to vacuum on this database"
