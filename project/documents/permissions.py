"""Who may see a document: the app that registered its kind decides; documents knows no roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from project.documents.registry import UnknownDocumentKind, get_document_kind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.documents.models import Document
    from project.org.models import User


def can_view_document(user: User | AnonymousUser, document: Document) -> bool:
    """Whether the user may download the document (and poll its status).

    The kind's registered `can_view` decides; anonymous users and documents of a kind no installed
    app registers are visible to nobody. Raises nothing.
    """
    if not user.is_authenticated:
        return False
    try:
        entry = get_document_kind(document.kind)
    except UnknownDocumentKind:
        return False
    return entry.can_view(user, document)
