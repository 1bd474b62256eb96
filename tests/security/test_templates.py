"""No template served to a browser carries what the CSP refuses (PDF templates are rendered by WeasyPrint
on the server and keep their inline styles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.inline import inline_problems, template_source_problems

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("templates", "project", "cases", "evaluations")


def browser_templates() -> list[Path]:
    found: list[Path] = []
    for top in CODE_DIRS:
        for path in sorted((ROOT / top).rglob("*.html")):
            relative = path.relative_to(ROOT)
            if top != "templates" and "templates" not in relative.parts:
                continue
            if "pdf" in relative.parts:
                continue  # WeasyPrint documents, never sent to a browser
            found.append(path)
    return found


def test_there_are_templates_to_scan() -> None:
    names = {str(path.relative_to(ROOT)) for path in browser_templates()}
    assert "templates/base.html" in names
    assert "templates/registration/login.html" in names
    assert not any("/pdf/" in name for name in names)


@pytest.mark.parametrize("path", browser_templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_inline_script_handler_or_style(path: Path) -> None:
    assert template_source_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<script>alert(1)</script>", "inline script"),
        ('<script type="text/javascript">x()</script>', "inline script"),
        ('<button onclick="go()">x</button>', "inline event handler onclick="),
        ('<div style="color: red">x</div>', "style attribute"),
        ("<style>p { color: red }</style>", "style element"),
        ('<a href="javascript:go()">x</a>', "javascript: URL in href="),
        ('<img src="x.png" onerror="go()">', "inline event handler onerror="),
    ],
)
def test_the_scanner_finds_each_kind_of_inline_code(html: str, problem: str) -> None:
    problems = inline_problems(html)
    assert len(problems) == 1
    assert problems[0].endswith(problem)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/js/site.js" defer></script>',
        '<script id="data" type="application/json">{"a": 1}</script>',
        '<div class="x" data-style="y" hx-on="z">x</div>',
    ],
)
def test_the_scanner_passes_static_scripts_and_json_data(html: str) -> None:
    assert inline_problems(html) == []


def test_template_tags_are_not_taken_for_attributes() -> None:
    source = '{% include "x.html" with style="btn-danger" %}<div{% if a %} class="{{ b }}"{% endif %}></div>'
    assert template_source_problems(source) == []
    assert template_source_problems('<div{% if a %} style="{{ b }}"{% endif %}></div>') != []
