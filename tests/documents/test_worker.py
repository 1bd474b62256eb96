"""The whole path through a real broker: request → on_commit → Redis → `celery worker -Q pdf` → file."""

from __future__ import annotations

import hashlib

import pytest

from project.documents.models import Document, DocumentStatus
from project.documents.services import document_request
from tests.conftest import Personas
from tests.documents.pdfs import page_texts
from tests.worker import CeleryWorker, wait_for


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_a_requested_document(pdf_worker: CeleryWorker, personas: Personas) -> None:
    # Committed at once (no test transaction): the on-commit hook publishes to Redis.
    document = document_request(actor=personas.alice, kind="demo", obj=personas.carl_cadre, title="谈心谈话记录 张三")

    def settled() -> bool:
        return Document.objects.filter(pk=document.pk).exclude(status=DocumentStatus.PENDING).exists()

    wait_for(settled, timeout=60, what=f"document {document.pk} to be rendered\n{pdf_worker.log_tail()}")

    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERED, document.error
    content = document.file.read()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert page_texts(content)[0].splitlines()[0] == "谈心谈话记录 张三"
    assert "project.documents.tasks.render_document[" in pdf_worker.log()
