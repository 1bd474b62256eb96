"""HTML template → PDF bytes with WeasyPrint, fetching nothing but the project's own static files.

WeasyPrint's default fetcher follows any URL it meets: `file:///etc/...` ends up embedded in the PDF
(a `<link rel="attachment">` copies the file in whole) and `http://` reaches the network. Templates
render values people typed, so the fetcher here answers only `<base_url>/static/...` from the
staticfiles finders (never from disk paths or the network) and `data:` URLs, and refuses the rest.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Bump when templates/pdf/base.html or documents/pdf.css change how every document looks; each
# document stores "<kind version>/<base version>" as its template version.
BASE_TEMPLATE_VERSION = "1"

# The origin relative URLs resolve against when no request is around (a Celery task). `.invalid`
# can never resolve (RFC 2606), and the fetcher never sends anything there anyway.
INTERNAL_BASE_URL = "https://documents.invalid/"

# Official documents are Chinese whatever the requester's browser says; base.html says lang="zh-CN".
PDF_LANGUAGE = "zh-hans"

_GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}


class RenderError(Exception):
    """The template could not be turned into a PDF."""


class RefusedURL(ValueError):
    """The fetcher does not serve this URL (not one of our static files)."""


class StaticFilesURLFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves `<base_url><STATIC_URL>path` from the staticfiles finders and `data:` URLs; refuses the rest.

    A refusal is an ordinary exception, which WeasyPrint logs and skips (the resource is left out, the
    PDF still renders); it is logged here at WARNING because WeasyPrint's own logger is kept at ERROR.
    """

    def __init__(self, *, base_url: str) -> None:
        # Only data: may ever reach urllib, and no redirects: belt and braces behind fetch() below.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"base_url must be an absolute http(s) URL, not {base_url!r}")
        self.static_prefix = urljoin(base_url, "/" + settings.STATIC_URL.lstrip("/"))

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)
        path = self._static_path(url)
        if path is None:
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise RefusedURL(f"not a static file of this project: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def _static_path(self, url: str) -> Path | None:
        url = url.split("#", 1)[0].split("?", 1)[0]
        if not url.startswith(self.static_prefix):
            return None
        relative = unquote(url[len(self.static_prefix) :])
        # The finders refuse traversal too (safe_join); say no before asking them.
        if not relative or relative.startswith("/") or ".." in relative.split("/") or "\\" in relative:
            return None
        if posixpath.normpath(relative) != relative:
            return None
        found = finders.find(relative)
        if not isinstance(found, str):
            return None
        return Path(found)


# Per thread (Pango's font map is not thread-safe): the Fontconfig configuration and the parsed static
# stylesheets, made once and reused by every document the thread renders.
_thread = threading.local()


def _font_config() -> FontConfiguration:
    """This thread's Fontconfig configuration.

    WeasyPrint otherwise loads Fontconfig's configuration and opens the (large) CJK font file again for
    each document: about a tenth of rendering a two-page record. The templates declare no @font-face
    (which would add its font to this configuration for good).
    """
    config = getattr(_thread, "font_config", None)
    if config is None:
        config = _thread.font_config = FontConfiguration()
    return config


def _stylesheet(path: str) -> CSS | None:
    """The static stylesheet `path` (declared with `{% pdf_stylesheet %}`), parsed once per thread and file.

    Applied as a user stylesheet (WeasyPrint's `stylesheets` option), so it is not parsed again for every
    document; the templates' own `<style>` rules come after it (and win over it whatever their specificity).
    Its `url()`s, if it ever has any, resolve under INTERNAL_BASE_URL. A missing file is logged and left out,
    as a refused fetch was.
    """
    found = finders.find(path)
    if not isinstance(found, str):
        logger.warning("PDF stylesheet %s not found among the static files", path)
        return None
    file = Path(found)
    key = (path, found, file.stat().st_mtime_ns)  # an edited file is parsed again (development)
    cache: dict[tuple[str, str, int], CSS] = _thread.__dict__.setdefault("stylesheets", {})
    css = cache.get(key)
    if css is None:
        url = urljoin(INTERNAL_BASE_URL, "/" + settings.STATIC_URL.lstrip("/")) + path
        css = cache[key] = CSS(
            string=file.read_text(encoding="utf-8"),
            base_url=url,
            url_fetcher=StaticFilesURLFetcher(base_url=INTERNAL_BASE_URL),
            font_config=_font_config(),
        )
    return css


def css_font_family(value: str) -> SafeString:
    """A comma-separated font list as a CSS `font-family` value, each family name quoted and escaped."""
    names = []
    for raw in value.split(","):
        name = raw.strip().strip("'\"").strip()
        if not name:
            continue
        names.append(name if name in _GENERIC_FAMILIES else css_string(name))
    return mark_safe(", ".join(names) or "sans-serif")  # noqa: S308 - every part is escaped above


_CSS_SAFE = re.compile(r"[A-Za-z0-9 \u0080-\U0010ffff]")


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that cannot end the string or the surrounding <style> element."""
    escaped = "".join(char if _CSS_SAFE.fullmatch(char) else f"\\{ord(char):06x}" for char in text)
    return f'"{escaped}"'


def render_pdf(template_name: str, context: Mapping[str, Any], *, base_url: str) -> bytes:
    """Render a template that extends `pdf/base.html` to PDF bytes.

    `base_url` is the absolute http(s) URL relative links resolve against (`INTERNAL_BASE_URL` in
    tasks); only static files under it are fetched. Raises RenderError when WeasyPrint is told to stop
    (a fatal fetch error derives from BaseException, so it is converted here for `except Exception`),
    and whatever the template or WeasyPrint raise otherwise.
    """
    fetcher = StaticFilesURLFetcher(base_url=base_url)
    paths: list[str] = []  # filled by {% pdf_stylesheet %} while the template renders
    with translation.override(PDF_LANGUAGE):
        html = render_to_string(
            template_name,
            {**context, "pdf_font_family": css_font_family(settings.PDF_FONT_FAMILY), "pdf_stylesheets": paths},
        )
    stylesheets = [css for css in map(_stylesheet, paths) if css is not None]
    try:
        pdf = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            stylesheets=stylesheets, font_config=_font_config()
        )
    except FatalURLFetchingError as error:
        raise RenderError(str(error)) from error
    if not isinstance(pdf, bytes):
        raise RenderError("WeasyPrint returned no PDF")
    return pdf
