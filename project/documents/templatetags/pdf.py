"""Template filters for PDF layouts: text that has to live inside CSS (page margin boxes)."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from project.documents.renderer import css_string

register = template.Library()

_COUNTERS = re.compile(r"\{(pages|page)\}")


@register.filter
def css_content(text: str) -> SafeString:
    """A translated line as a CSS `content` value; `{page}` and `{pages}` become page counters.

    `"Page {page} of {pages}"` → `"Page " counter(page) " of " counter(pages)`. Margin boxes can only
    show CSS content, and a translation may put the numbers anywhere (第 {page} 页，共 {pages} 页).
    """
    parts = []
    for index, piece in enumerate(_COUNTERS.split(str(text))):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts) or '""')  # noqa: S308 - text parts are CSS-escaped by css_string
