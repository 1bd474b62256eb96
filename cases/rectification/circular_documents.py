"""The circular (通报) document kind: its PDF in the official format, requested at publication."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from cases.rectification.circular_models import Circular
from cases.rectification.circulars import CIRCULAR_KIND
from cases.rectification.permissions import can_view_circular_document
from project.documents.registry import register_document_kind

if TYPE_CHECKING:
    from project.documents.models import Document

TEMPLATE_VERSION = "1"
TEMPLATE = "pdf/circular.html"


def build(document: Document) -> tuple[str, Mapping[str, Any]]:
    """The circular as published: number, title, addressees, the four sections, issuing body and date."""
    circular = Circular.objects.get(pk=document.object_id)
    return TEMPLATE, {"circular": circular}


def register() -> None:
    register_document_kind(
        CIRCULAR_KIND,
        label=gettext_lazy("Circular (通报)"),
        template_version=TEMPLATE_VERSION,
        build=build,
        can_view=can_view_circular_document,
    )
