"""Writes to documents: request one (idempotently) and render it (from the Celery task)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils import translation

from project.audit.services import audit_record
from project.documents.models import Document
from project.documents.registry import DocumentKind, get_document_kind
from project.documents.renderer import BASE_TEMPLATE_VERSION, INTERNAL_BASE_URL, PDF_LANGUAGE, render_pdf
from project.oncommit import enqueue_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

logger = logging.getLogger(__name__)

_KEY_MAX_LENGTH = Document._meta.get_field("idempotency_key").max_length or 255
_ERROR_MAX_LENGTH = 2000


def document_key(*, kind: str, obj: models.Model, key: str = "") -> str:
    """The idempotency key of the document of `kind` for `obj` (plus the caller's `key`, e.g. a revision)."""
    return f"{kind}:{obj._meta.label_lower}:{obj.pk}" + (f":{key}" if key else "")


def document_request(
    *,
    actor: User | AnonymousUser | None,
    kind: str,
    obj: models.Model,
    title: str,
    key: str = "",
) -> Document:
    """Return the document of `kind` for `obj`, creating it and enqueueing its rendering on commit.

    Asking again for the same (kind, obj, key) returns the same row: a rendered one as it is (its title
    is not changed), a pending one is enqueued again (the task is idempotent, and this recovers a task
    the broker lost), a failed one goes back to pending and is enqueued. Pass a different `key` (e.g.
    "v2") for a genuinely new document of the same object.

    Requires: `obj` is saved; the caller has checked that `actor` may cause this document — this
    service knows no roles. Raises UnknownDocumentKind for an unregistered kind and ValueError for an
    unsaved object or a key that does not fit.
    """
    get_document_kind(kind)
    if obj.pk is None:
        raise ValueError("cannot request a document for an unsaved object")
    idempotency_key = document_key(kind=kind, obj=obj, key=key)
    if len(idempotency_key) > _KEY_MAX_LENGTH:
        raise ValueError(f"document key too long ({len(idempotency_key)} > {_KEY_MAX_LENGTH})")
    requested_by = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        # get_or_create survives a concurrent request for the same key: the loser's INSERT hits the
        # unique index, and it reads the winner's row.
        document, created = Document.objects.select_for_update().get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "kind": kind,
                "object_type": obj._meta.label_lower,
                "object_id": str(obj.pk),
                "title": title[:200],
                "requested_by": requested_by,
            },
        )
        retried = False
        if not created and document.is_failed:
            document.retry()
            document.save()
            retried = True
        if created or retried:
            audit_record(
                actor=actor,
                action="document.request",
                obj=document,
                summary=f"requested {kind} document for {document.object_type} #{document.object_id}"
                + (" (retry)" if retried else ""),
                data={"kind": kind},
            )
        if document.is_pending:
            _enqueue_render(document.pk)
    return document


def _enqueue_render(document_id: int) -> None:
    # Imported here: the task module imports this one.
    from project.documents.tasks import render_document

    # robust: an unreachable broker must not turn the committed request into a 500; the document
    # stays pending and the next request for it enqueues it again.
    enqueue_on_commit(render_document, document_id)


def document_render(*, document_id: int) -> Document:
    """Render a pending document to PDF, store it atomically and mark it rendered (or failed).

    Idempotent: a rendered or failed document is returned untouched, and when two workers render the
    same document at once the second one's file is discarded. The slow part (WeasyPrint) runs outside
    any transaction, so no row or database lock is held while rendering. Any error from the kind's
    builder, the template, WeasyPrint or the storage marks the document failed with the message.
    Raises Document.DoesNotExist for an unknown id.
    """
    document = Document.objects.get(pk=document_id)
    if not document.is_pending:
        return document
    try:
        entry = get_document_kind(document.kind)
        pdf, template_name = _render(entry, document)
        stored_name = _store_atomically(document, pdf)
    except Exception as error:
        logger.exception("rendering document %s failed", document_id)
        return _document_fail(document_id=document_id, error=f"{type(error).__name__}: {error}")

    storage: Storage = document.file.storage
    try:
        with transaction.atomic():
            locked = Document.objects.select_for_update().get(pk=document_id)
            if not locked.is_pending:
                superseded = True
            else:
                superseded = False
                locked.mark_rendered(
                    file_name=stored_name,
                    sha256=hashlib.sha256(pdf).hexdigest(),
                    size=len(pdf),
                    template_name=template_name,
                    template_version=f"{entry.template_version}/{BASE_TEMPLATE_VERSION}",
                )
                locked.save()
                audit_record(
                    actor=None,
                    action="document.render",
                    obj=locked,
                    summary=f"rendered {locked.kind} document #{locked.pk}",
                    data={"sha256": locked.sha256, "template_version": locked.template_version},
                )
    except BaseException:
        storage.delete(stored_name)
        raise
    if superseded:
        # Another worker finished first: its file is the document, ours is a stray copy.
        storage.delete(stored_name)
    return locked


def _render(entry: DocumentKind, document: Document) -> tuple[bytes, str]:
    with translation.override(PDF_LANGUAGE):
        template_name, context = entry.build(document)
        full_context: dict[str, Any] = {**context, "document": document}
        return render_pdf(template_name, full_context, base_url=INTERNAL_BASE_URL), template_name


class _StagedFile(File):  # type: ignore[type-arg]
    """A finished file on disk; FileSystemStorage moves it into place with os.rename."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def _store_atomically(document: Document, pdf: bytes) -> str:
    """Save the PDF under its final name so that no reader ever sees a partial file.

    On the filesystem the bytes go to a temporary file in the same directory tree, are flushed to
    disk, and are then renamed into place (rename is atomic on one filesystem). Storages without
    local paths (object stores) publish an upload only when it is complete.
    """
    storage: Storage = document.file.storage
    name = document.file.field.generate_filename(document, "document.pdf")
    try:
        staging_dir = Path(storage.path("documents/.staging"))
    except NotImplementedError:
        return storage.save(name, ContentFile(pdf))
    staging_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=staging_dir, prefix="render-", suffix=".part", delete=False) as handle:
        staged_path = handle.name
        handle.write(pdf)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        with open(staged_path, "rb") as staged:
            return storage.save(name, _StagedFile(staged, name=staged_path))
    finally:
        # Gone after a successful rename; left behind only if the save failed.
        Path(staged_path).unlink(missing_ok=True)


def _document_fail(*, document_id: int, error: str) -> Document:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.is_pending:
            document.mark_failed(error=error[:_ERROR_MAX_LENGTH])
            document.save()
            audit_record(
                actor=None,
                action="document.render_failed",
                obj=document,
                summary=f"rendering {document.kind} document #{document.pk} failed",
                data={"error": error[:200]},
            )
    return document
