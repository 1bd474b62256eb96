"""The PDF itself: Chinese text and font, the code on every page, and a fetcher that leaks nothing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from project.documents import renderer
from project.documents.renderer import (
    INTERNAL_BASE_URL,
    PDF_LANGUAGE,
    RefusedURL,
    StaticFilesURLFetcher,
    css_font_family,
    css_string,
    render_pdf,
)
from tests.conftest import Personas
from tests.documents.conftest import request_rendered
from tests.documents.pdfs import contains_bytes, font_names, page_texts, reader

pytestmark = pytest.mark.django_db

HOSTNAME = Path("/etc/hostname")


def test_the_chinese_title_comes_back_out_of_the_pdf_as_rendered(
    personas: Personas, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.PDF_FONT_FAMILY = "WenQuanYi Micro Hei, sans-serif"
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录 张三"
    )

    first_page = page_texts(document.file.read())[0]

    assert first_page.splitlines()[0] == "谈心谈话记录 张三"


def test_the_text_is_set_in_the_cjk_font_and_no_other(
    personas: Personas, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # With no CJK font WeasyPrint draws empty boxes and raises nothing; the font names tell.
    settings.PDF_FONT_FAMILY = "WenQuanYi Micro Hei, sans-serif"
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="谈心谈话记录 张三"
    )

    names = font_names(document.file.read())

    assert names
    assert all("WenQuanYi" in name for name in names), names


def test_every_page_of_a_long_document_carries_the_code_and_its_page_number(
    personas: Personas, django_capture_on_commit_callbacks: Any, register_kind: Callable[..., str]
) -> None:
    paragraphs = [f"第{i}段：谈话内容记录，本人表示接受组织提醒，将认真整改。" * 3 for i in range(1, 121)]
    kind = register_kind("test_long", build=lambda document: ("pdf/demo.html", {"paragraphs": paragraphs}))
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="长文档", kind=kind
    )

    pages = page_texts(document.file.read())

    assert len(pages) >= 3
    with translation.override(PDF_LANGUAGE):  # the same words as the PDF, once zh-hans is translated too
        page_line = gettext("Page {page} of {pages}")
    for number, text in enumerate(pages, start=1):
        assert document.verification_code in text, f"page {number} lacks the code"
        assert page_line.format(page=number, pages=len(pages)) in text


def test_the_shared_stylesheet_is_applied_and_parsed_once_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # documents/pdf.css sets the running title (h1 string-set), shown at the top of every page but the first.
    parsed: list[str] = []

    class CountingCSS(CSS):  # type: ignore[misc]
        def __init__(self, **kwargs: Any) -> None:
            parsed.append(kwargs["base_url"])
            super().__init__(**kwargs)

    monkeypatch.setattr(renderer, "CSS", CountingCSS)
    monkeypatch.setattr(renderer, "_thread", threading.local())  # this test's own cache
    document = SimpleNamespace(title="提醒谈话记录", verification_code="TEST-CODE")
    context = {"document": document, "paragraphs": ["谈话内容记录，本人表示接受组织提醒。" * 3] * 40}

    pdfs = [render_pdf("pdf/demo.html", context, base_url=INTERNAL_BASE_URL) for _ in range(2)]

    assert parsed == [INTERNAL_BASE_URL + "static/documents/pdf.css"]
    for pdf in pdfs:
        pages = page_texts(pdf)
        assert len(pages) >= 2
        assert "提醒谈话记录" in pages[1]  # the running title (the body never says it)


def test_a_pdf_stylesheet_is_an_ordinary_link_outside_the_renderer() -> None:
    html = render_to_string("pdf/base.html", {"document": None})

    assert '<link rel="stylesheet" href="/static/documents/pdf.css">' in html


def test_the_page_is_a4(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    document = request_rendered(
        django_capture_on_commit_callbacks, actor=personas.alice, obj=personas.carl_cadre, title="A4"
    )
    box = reader(document.file.read()).pages[0].mediabox
    # A4 is 210 × 297 mm = 595.3 × 841.9 pt.
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_fetcher_serves_the_projects_static_files() -> None:
    fetcher = StaticFilesURLFetcher(base_url=INTERNAL_BASE_URL)

    response = fetcher.fetch(INTERNAL_BASE_URL + "static/documents/pdf.css")

    assert b"string-set: document-title" in response.read()
    assert response.content_type == "text/css"


def test_the_fetcher_serves_static_files_under_a_real_sites_base_url() -> None:
    fetcher = StaticFilesURLFetcher(base_url="https://rectification.example.gov.cn/cases/12/")

    response = fetcher.fetch("https://rectification.example.gov.cn/static/documents/pdf.css")

    assert response.read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "file:///static/documents/pdf.css",
        "http://example.com/evil.css",
        "https://example.com/static/documents/pdf.css",
        "http://documents.invalid/static/documents/pdf.css",
        "ftp://example.com/x",
        INTERNAL_BASE_URL + "static/../../../../etc/hostname",
        INTERNAL_BASE_URL + "static/%2e%2e/%2e%2e/etc/hostname",
        INTERNAL_BASE_URL + "static//etc/hostname",
        INTERNAL_BASE_URL + "static/documents/missing.css",
        INTERNAL_BASE_URL + "etc/hostname",
    ],
)
def test_the_fetcher_refuses_anything_but_a_static_file(url: str) -> None:
    with pytest.raises((RefusedURL, FileNotFoundError)):
        StaticFilesURLFetcher(base_url=INTERNAL_BASE_URL).fetch(url)


def test_the_fetcher_allows_inline_data_urls() -> None:
    response = StaticFilesURLFetcher(base_url=INTERNAL_BASE_URL).fetch("data:text/plain;base64,5Lit5paH")
    assert response.read() == "中文".encode()


def test_the_fetcher_needs_an_http_base_url() -> None:
    with pytest.raises(ValueError, match="base_url"):
        StaticFilesURLFetcher(base_url="file:///")


def _hostile_context(tmp_path: Path) -> dict[str, Any]:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-4b1d9e", encoding="utf-8")
    return {"title": "敌意模板", "secret_path": str(secret)}


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (instead of making) every DNS lookup and connection the rendering attempts."""
    calls: list[object] = []

    def record(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", record)
    monkeypatch.setattr(socket, "create_connection", record)
    monkeypatch.setattr(socket.socket, "connect", record)
    return calls


def test_a_hostile_template_renders_without_local_files_or_network(
    test_templates: Path, tmp_path: Path, network_calls: list[object]
) -> None:
    pdf = render_pdf("documents_test/hostile.html", _hostile_context(tmp_path), base_url=INTERNAL_BASE_URL)

    assert "正文" in page_texts(pdf)[0]
    assert not contains_bytes(pdf, b"SECRET-MARKER-4b1d9e")
    assert reader(pdf).attachments == {}
    hostname = HOSTNAME.read_text().strip() if HOSTNAME.exists() else ""
    assert all(hostname not in text.splitlines() for text in page_texts(pdf))
    assert network_calls == []


def test_weasyprints_default_fetcher_would_have_leaked_the_file(test_templates: Path, tmp_path: Path) -> None:
    # The control for the test above: the same template with WeasyPrint's default fetcher embeds the
    # local file, so the checks above do detect a leak.
    html = render_to_string("documents_test/hostile.html", _hostile_context(tmp_path))
    pdf = HTML(string=html, base_url=INTERNAL_BASE_URL, url_fetcher=URLFetcher(allowed_protocols={"file"})).write_pdf()

    assert contains_bytes(pdf, b"SECRET-MARKER-4b1d9e")
    assert "secret" in "".join(reader(pdf).attachments)


def test_a_font_list_from_the_environment_becomes_quoted_css() -> None:
    assert css_font_family("WenQuanYi Micro Hei, 'Noto Sans CJK SC', sans-serif") == (
        '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
    )
    assert "</style>" not in css_font_family("x</style><script>alert(1)</script>")


def test_a_css_string_cannot_break_out_of_its_quotes() -> None:
    escaped = css_string('a"b\\c</style>核验码')
    assert escaped.startswith('"')
    assert escaped.endswith('"')
    assert '"' not in escaped[1:-1]
    assert "<" not in escaped
    assert "核验码" in escaped
