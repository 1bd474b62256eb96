"""Document kinds: what each kind renders and who may see it, registered by the app that owns it.

The documents app renders, stores and serves PDFs but knows nothing about talks, circulars or
rounds: those apps register their kinds from their `AppConfig.ready()`, so the dependency points
from them to here and never back (the import-linter layer contract).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from project.documents.models import Document
    from project.org.models import User

Builder = Callable[["Document"], tuple[str, Mapping[str, Any]]]
ViewPredicate = Callable[["User | AnonymousUser", "Document"], bool]


class UnknownDocumentKind(LookupError):
    """No app registered this kind (a typo, or the app that owns it is not installed)."""


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    label: StrOrPromise
    template_version: str
    build: Builder
    can_view: ViewPredicate


_kinds: dict[str, DocumentKind] = {}


def register_document_kind(
    kind: str,
    *,
    label: StrOrPromise,
    template_version: str,
    build: Builder,
    can_view: ViewPredicate,
) -> DocumentKind:
    """Declare a document kind; call it from the owning app's `AppConfig.ready()`.

    `build(document)` returns `(template_name, context)` for the PDF, reading the documented object
    itself (`document.object_type`, `document.object_id`). `can_view(user, document)` decides who may
    download the file; a False answers 404. Bump `template_version` whenever the template's layout
    or wording changes: every document stores the version it was rendered with.
    Raises ImproperlyConfigured if the kind is already registered with a different definition.
    """
    if not kind or len(kind) > 50:
        raise ImproperlyConfigured(f"document kind {kind!r} must be 1–50 characters long")
    entry = DocumentKind(kind=kind, label=label, template_version=template_version, build=build, can_view=can_view)
    existing = _kinds.get(kind)
    if existing is not None and existing != entry:
        raise ImproperlyConfigured(f"document kind {kind!r} is already registered")
    _kinds[kind] = entry
    return entry


def unregister_document_kind(kind: str) -> None:
    """Forget a kind (for tests that register their own)."""
    _kinds.pop(kind, None)


def get_document_kind(kind: str) -> DocumentKind:
    """The registered kind; raises UnknownDocumentKind."""
    try:
        return _kinds[kind]
    except KeyError:
        raise UnknownDocumentKind(kind) from None


def document_kinds() -> list[DocumentKind]:
    return sorted(_kinds.values(), key=lambda entry: entry.kind)
