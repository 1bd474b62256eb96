"""Celery interface of the documents app: ids in, call a service. Routed to the "pdf" queue by settings."""

from __future__ import annotations

import logging

from celery import shared_task

from project.documents.models import Document
from project.documents.services import document_render

logger = logging.getLogger(__name__)


# acks_late + reject_on_worker_lost: a worker killed mid-render (OOM, deploy) gives the message back
# to the broker instead of losing it; rendering twice is harmless because the service is idempotent.
# The time limits stop a runaway layout; the soft one lands in the service and marks it failed.
@shared_task(
    name="project.documents.tasks.render_document",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
)
def render_document(document_id: int) -> None:
    """Render the document with this id unless it is already rendered (or failed)."""
    try:
        document = document_render(document_id=document_id)
    except Document.DoesNotExist:
        # The request was rolled back or the row deleted after the message was sent: nothing to do.
        logger.warning("document %s does not exist; nothing to render", document_id)
        return
    logger.info("document %s is %s", document_id, document.status)
