"""A PDF worker killed with SIGKILL mid-render: the task comes back, and exactly one document results.

Rendering is made to hang by a test-only kind (tests/ops/blocking.py) whose first delivery waits to be
killed, so the kill lands while the document is being rendered, with no timing involved. Settings:
`task_acks_late` + `task_reject_on_worker_lost` (the message stays unacknowledged until the task ends,
and a lost pool process gives it back), and on Redis a `visibility_timeout` after which a message whose
worker vanished altogether is handed to another worker (CELERY_VISIBILITY_TIMEOUT, 2 s for the second
worker here).
"""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest

from project.audit.models import AuditEvent
from project.documents.models import Document, DocumentStatus
from project.documents.services import document_request
from tests.conftest import Personas
from tests.documents.pdfs import page_texts
from tests.ops.blocking import BLOCK_DIR_ENV, started_marker
from tests.services import require_redis
from tests.worker import celery_worker, wait_for

WORKER_KINDS = ["tests.ops.worker_kinds"]


def _settled(document: Document) -> bool:
    return Document.objects.filter(pk=document.pk).exclude(status=DocumentStatus.PENDING).exists()


def _assert_rendered_exactly_once(document: Document, media_root: Path) -> None:
    assert Document.objects.filter(idempotency_key=document.idempotency_key).count() == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERED, document.error
    content = document.file.read()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert page_texts(content)[0].splitlines()[0] == "谈心谈话记录 陈刚"
    # One finished file, and it is the document's: no second copy, no partial file under a final name.
    stored = [
        path.relative_to(media_root).as_posix()
        for path in (media_root / "documents").rglob("*")
        if path.is_file() and ".staging" not in path.parts
    ]
    assert stored == [document.file.name]
    renders = AuditEvent.objects.filter(action="document.render", object_id=str(document.pk))
    assert renders.count() == 1


@pytest.fixture
def block_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder where the blocking kind leaves its marker (named to the worker by $OPS_BLOCK_DIR)."""
    folder = tmp_path / "marks"
    folder.mkdir()
    monkeypatch.setenv(BLOCK_DIR_ENV, str(folder))
    return folder


def _request(personas: Personas, kind: str) -> Document:
    return document_request(actor=personas.alice, kind=kind, obj=personas.carl_cadre, title="谈心谈话记录 陈刚")


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_leaves_the_task_to_a_second_worker_which_stores_one_document(
    personas: Personas,
    blocking_kind: str,
    block_dir: Path,
    tmp_path: Path,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker_url = require_redis()

    with celery_worker(queues=["pdf"], broker_url=broker_url, var_dir=tmp_path, include=WORKER_KINDS) as first:
        document = _request(personas, blocking_kind)
        marker = started_marker(block_dir, document.pk)
        wait_for(marker.exists, timeout=60, what=f"the first worker to start rendering\n{first.log_tail()}")
        # The whole worker dies at once (OOM killer, lost machine): nobody is left to give the message back.
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=20)

    assert Document.objects.get(pk=document.pk).status == DocumentStatus.PENDING
    assert not (media_root / "documents").exists() or not any(
        p.is_file() and ".staging" not in p.parts for p in (media_root / "documents").rglob("*")
    )

    # The message is still unacknowledged in Redis; a second worker restores it after the visibility timeout.
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "2")
    with celery_worker(
        queues=["pdf"], broker_url=broker_url, var_dir=tmp_path, include=WORKER_KINDS, flush=False
    ) as second:
        wait_for(lambda: _settled(document), timeout=120, what=f"the second worker to render\n{second.log_tail()}")
        assert "project.documents.tasks.render_document[" in second.log()

    _assert_rendered_exactly_once(document, media_root)


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_render_gives_the_task_back_and_one_document_results(
    personas: Personas,
    blocking_kind: str,
    block_dir: Path,
    tmp_path: Path,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker_url = require_redis()

    with celery_worker(queues=["pdf"], broker_url=broker_url, var_dir=tmp_path, include=WORKER_KINDS) as worker:
        document = _request(personas, blocking_kind)
        marker = started_marker(block_dir, document.pk)
        wait_for(marker.exists, timeout=60, what=f"the worker to start rendering\n{worker.log_tail()}")
        # Only the process rendering dies (the pid it wrote): the worker sees it lost and, because of
        # task_reject_on_worker_lost, requeues the message for its next pool process.
        os.kill(int(marker.read_text()), signal.SIGKILL)
        wait_for(lambda: _settled(document), timeout=120, what=f"the task to be redelivered\n{worker.log_tail()}")
        assert "WorkerLostError" in worker.log()

    _assert_rendered_exactly_once(document, media_root)
