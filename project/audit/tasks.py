from __future__ import annotations

import logging

from celery import shared_task

from project.audit.verify import verify_chain

logger = logging.getLogger(__name__)


@shared_task(name="project.audit.tasks.verify_audit_chain")
def verify_audit_chain() -> bool:
    """Nightly: check the chain; a broken link is logged as an error for the operators."""
    report = verify_chain()
    if report.ok:
        logger.info("audit chain intact: %s events", report.checked)
    else:
        logger.error("audit chain broken at event %s: %s", report.broken_at, report.problem)
    return report.ok
