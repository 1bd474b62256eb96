"""What the Content-Security-Policy would refuse in a page: inline scripts, inline event handlers,
style elements and style attributes, javascript: URLs. Used on template sources and on served pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# JSON data islands (json_script) are not executed, so the CSP does not concern them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}

_TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_TEMPLATE_VARIABLE = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"line {self.getpos()[0]}: <{tag}>"
        values = {name: (value or "") for name, value in attrs}
        if tag == "script" and "src" not in values and values.get("type", "").lower() not in DATA_SCRIPT_TYPES:
            self.problems.append(f"{where} inline script")
        if tag == "style":
            self.problems.append(f"{where} style element")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"{where} inline event handler {name}=")
            elif name == "style":
                self.problems.append(f"{where} style attribute")
            elif name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{where} javascript: URL in {name}=")

    handle_startendtag = handle_starttag


def inline_problems(html: str) -> list[str]:
    """Every construct in the HTML that a CSP without 'unsafe-inline' would block."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems


def template_source_problems(source: str) -> list[str]:
    """The same, for a Django template's source: template tags are removed, variables become text."""
    source = _TEMPLATE_COMMENT.sub("", source)
    source = _TEMPLATE_TAG.sub("", source)
    source = _TEMPLATE_VARIABLE.sub("x", source)
    return inline_problems(source)
