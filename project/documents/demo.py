"""The "demo" kind: a one-page sample of the PDF layout, for the demo data and the worker test.

It is also the smallest complete example of a kind; real kinds live in the apps that own their
objects (cases, evaluations) and register the same way from their `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from project.documents.registry import register_document_kind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.documents.models import Document
    from project.org.models import User

KIND = "demo"
TEMPLATE_VERSION = "1"


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    paragraphs = [
        _("This sample shows the layout every document shares."),
        _(
            "Each page carries the verification code and the page number; the verification page tells "
            "whether a stored file is still the one that was rendered."
        ),
    ]
    return "pdf/demo.html", {"kind_label": _("Sample document"), "paragraphs": paragraphs}


def can_view(user: User | AnonymousUser, document: Document) -> bool:
    """The person who asked for the sample, and superusers."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or document.requested_by_id == user.pk


def register() -> None:
    register_document_kind(
        KIND, label=gettext_lazy("Sample document"), template_version=TEMPLATE_VERSION, build=build, can_view=can_view
    )
