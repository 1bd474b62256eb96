"""Requesting and rendering documents: idempotency, atomic files, fingerprints, failures, audit."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage, default_storage

from project.audit.models import AuditEvent
from project.documents import services
from project.documents.models import Document, DocumentStatus
from project.documents.registry import UnknownDocumentKind
from project.documents.renderer import BASE_TEMPLATE_VERSION
from project.documents.services import document_render, document_request
from project.documents.tasks import render_document
from tests.conftest import Personas
from tests.documents.conftest import request_rendered

pytestmark = pytest.mark.django_db


def _pdf_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def test_a_request_creates_a_pending_document_and_enqueues_its_rendering_on_commit(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        document = document_request(actor=personas.alice, kind="demo", obj=personas.carl_cadre, title="谈心谈话记录")

    assert document.status == DocumentStatus.PENDING
    assert (document.object_type, document.object_id) == ("org.cadre", str(personas.carl_cadre.pk))
    assert document.requested_by == personas.alice
    assert len(callbacks) == 1
    assert AuditEvent.objects.for_object(document).filter(action="document.request").count() == 1


def test_rendering_stores_the_pdf_with_its_fingerprint_size_and_template_version(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录"
    )

    content = document.file.read()
    assert document.status == DocumentStatus.RENDERED
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.template_name == "pdf/demo.html"
    assert document.template_version == f"1/{BASE_TEMPLATE_VERSION}"
    assert document.rendered_at is not None
    assert AuditEvent.objects.for_object(document).filter(action="document.render").count() == 1


def test_the_file_is_named_by_id_not_by_title(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录 张三"
    )
    assert document.file.name.endswith(f"/document-{document.pk}.pdf")
    assert "张三" not in document.file.name


def test_requesting_the_same_document_twice_yields_one_document(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    first = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = document_request(actor=personas.leo, kind="demo", obj=personas.carl_cadre, title="另一个标题")

    assert second.pk == first.pk
    assert second.title == "谈心谈话记录"
    assert callbacks == []  # a rendered document is not rendered again
    assert Document.objects.count() == 1


def test_a_different_key_makes_a_new_document_of_the_same_object(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    first = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="一"
    )
    second = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="二", key="v2"
    )
    assert first.pk != second.pk
    assert first.verification_code != second.verification_code


def test_rendering_twice_leaves_one_file_and_the_same_fingerprint(
    personas: Personas, django_capture_on_commit_callbacks: Any, media_root: Path
) -> None:
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录"
    )

    render_document.delay(document.pk)
    document_render(document_id=document.pk)

    again = Document.objects.get(pk=document.pk)
    assert (again.sha256, again.file.name) == (document.sha256, document.file.name)
    assert _pdf_files(media_root) == [Path(default_storage.path(document.file.name))]
    assert AuditEvent.objects.for_object(document).filter(action="document.render").count() == 1


def test_when_two_workers_render_at_once_the_later_file_is_discarded(
    personas: Personas, django_capture_on_commit_callbacks: Any, register_kind: Callable[..., str], media_root: Path
) -> None:
    calls = 0

    def build(document: Document) -> tuple[str, dict[str, Any]]:
        nonlocal calls
        calls += 1
        if calls == 1:
            # While this render is under way, "another worker" renders the same document to the end.
            document_render(document_id=document.pk)
        return "pdf/demo.html", {}

    kind = register_kind("test_race", build=build)
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="并发", kind=kind
    )

    assert calls == 2
    assert document.status == DocumentStatus.RENDERED
    assert _pdf_files(media_root) == [Path(default_storage.path(document.file.name))]
    assert hashlib.sha256(document.file.read()).hexdigest() == document.sha256
    assert AuditEvent.objects.for_object(document).filter(action="document.render").count() == 1


def test_a_pending_document_is_enqueued_again_when_requested_again(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    # A message the broker lost must not strand the document: asking again sends a new one.
    with django_capture_on_commit_callbacks(execute=False):
        document_request(actor=personas.alice, kind="demo", obj=personas.carl_cadre, title="谈心谈话记录")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document = document_request(actor=personas.alice, kind="demo", obj=personas.carl_cadre, title="谈心谈话记录")

    assert len(callbacks) == 1
    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERED


def test_no_partial_file_is_ever_visible_under_the_final_name(
    personas: Personas,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    media_root: Path,
) -> None:
    seen_while_writing: list[list[Path]] = []
    real_fsync = os.fsync

    def fsync_and_look(fd: int) -> None:
        # The bytes are complete in the staging file here; nothing may exist yet under documents/.
        seen_while_writing.append([path for path in _pdf_files(media_root) if path.suffix == ".pdf"])
        real_fsync(fd)

    monkeypatch.setattr(services.os, "fsync", fsync_and_look)
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录"
    )

    assert seen_while_writing == [[]]
    assert _pdf_files(media_root) == [Path(default_storage.path(document.file.name))]


def test_a_storage_failure_marks_the_document_failed_and_leaves_no_file(
    personas: Personas, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch, media_root: Path
) -> None:
    def disk_full(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录"
    )

    assert document.status == DocumentStatus.FAILED
    assert "No space left on device" in document.error
    assert _pdf_files(media_root) == []


def test_a_failing_template_marks_the_document_failed_with_the_message(
    personas: Personas, django_capture_on_commit_callbacks: Any, register_kind: Callable[..., str]
) -> None:
    kind = register_kind("test_broken", build=lambda document: ("pdf/does-not-exist.html", {}))

    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="坏模板", kind=kind
    )

    assert document.status == DocumentStatus.FAILED
    assert "TemplateDoesNotExist" in document.error
    assert not document.file
    assert AuditEvent.objects.for_object(document).filter(action="document.render_failed").count() == 1


def test_asking_again_for_a_failed_document_renders_it_again(
    personas: Personas, django_capture_on_commit_callbacks: Any, register_kind: Callable[..., str]
) -> None:
    templates = iter(["pdf/does-not-exist.html", "pdf/demo.html"])
    kind = register_kind("test_flaky", build=lambda document: (next(templates), {}))
    failed = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="重试", kind=kind
    )

    again = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="重试", kind=kind
    )

    assert failed.status == DocumentStatus.FAILED
    assert again.pk == failed.pk
    assert again.status == DocumentStatus.RENDERED
    assert again.error == ""


def test_a_failed_document_is_not_rendered_by_a_stale_task(
    personas: Personas, django_capture_on_commit_callbacks: Any, register_kind: Callable[..., str]
) -> None:
    kind = register_kind("test_broken", build=lambda document: ("pdf/does-not-exist.html", {}))
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="坏模板", kind=kind
    )
    assert document_render(document_id=document.pk).status == DocumentStatus.FAILED


def test_a_task_for_a_document_that_no_longer_exists_does_nothing() -> None:
    render_document.delay(987654)


def test_an_unknown_kind_is_refused(personas: Personas) -> None:
    with pytest.raises(UnknownDocumentKind):
        document_request(actor=personas.alice, kind="no_such_kind", obj=personas.carl_cadre, title="x")
    assert Document.objects.count() == 0


def test_an_unsaved_object_is_refused(personas: Personas) -> None:
    from project.org.models import Cadre

    with pytest.raises(ValueError, match="unsaved"):
        document_request(actor=personas.alice, kind="demo", obj=Cadre(name="无"), title="x")


def test_a_status_cannot_be_set_directly(personas: Personas) -> None:
    document = document_request(actor=personas.alice, kind="demo", obj=personas.carl_cadre, title="x")
    with pytest.raises(AttributeError):
        document.status = DocumentStatus.RENDERED
