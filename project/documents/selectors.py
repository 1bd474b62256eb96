"""Reads of documents. Visibility is the kind's predicate, so lookups filter row by row."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models

from project.documents.codes import normalize_verification_code
from project.documents.models import Document
from project.documents.permissions import can_view_document

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User


class Integrity(StrEnum):
    MATCHES = "matches"
    ALTERED = "altered"
    MISSING = "missing"
    NOT_RENDERED = "not_rendered"


def document_get_visible(*, user: User | AnonymousUser, pk: int) -> Document | None:
    """The document with this id if the user may see it; None when it is missing or hidden alike."""
    document = Document.objects.select_related("requested_by").filter(pk=pk).first()
    if document is None or not can_view_document(user, document):
        return None
    return document


def documents_of(*, user: User | AnonymousUser, obj: models.Model, kind: str | None = None) -> list[Document]:
    """The documents of `obj` (optionally of one kind) that the user may see, newest first."""
    documents = Document.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if kind is not None:
        documents = documents.filter(kind=kind)
    return [document for document in documents if can_view_document(user, document)]


def document_by_code_unscoped(code: str) -> Document | None:
    """The document printed with this verification code, for anyone holding the paper.

    Unscoped on purpose: the code itself is the credential (50 random bits), and the verification
    page shows what is printed on the paper anyway, never the file.
    """
    normalized = normalize_verification_code(code)
    if normalized is None:
        return None
    return Document.objects.select_related("requested_by").filter(verification_code=normalized).first()


def document_integrity(document: Document) -> Integrity:
    """Re-hash the stored file and compare it with the SHA-256 recorded when it was rendered."""
    if not document.is_rendered or not document.file:
        return Integrity.NOT_RENDERED
    digest = hashlib.sha256()
    try:
        with document.file.storage.open(document.file.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return Integrity.MISSING
    return Integrity.MATCHES if digest.hexdigest() == document.sha256 else Integrity.ALTERED
