"""Template tags for PDF layouts: text that has to live inside CSS (page margin boxes), and stylesheets."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.templatetags.static import PrefixNode
from django.utils.html import format_html
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


@register.simple_tag(takes_context=True)
def pdf_stylesheet(context: template.Context, path: str) -> str:
    """Declare a static stylesheet of this PDF (a path as `{% static %}` takes it).

    Under `render_pdf` the path is handed to the renderer, which parses each stylesheet once per thread
    instead of once per document (most of a small document's CSS cost); rendered anywhere else, it is the
    ordinary `<link rel="stylesheet">`.
    """
    collected: Any = context.get("pdf_stylesheets")
    if isinstance(collected, list):
        if path not in collected:
            collected.append(path)
        return ""
    return format_html('<link rel="stylesheet" href="{}{}">', PrefixNode.handle_simple("STATIC_URL"), path)
