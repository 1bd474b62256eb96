"""What a web worker would otherwise do in its first requests, done once in gunicorn's master before it forks its
workers (deploy/gunicorn.conf.py preloads project.wsgi, which calls `warm_up`). A new worker, and each one that
replaces a recycled worker (max_requests), then starts with these in memory instead of making its first users wait:

- the URLconf, and with it every view module (Django imports it on the first request: about half a second);
- every page template, compiled into the cached template loader (the first ballot form took ~150 ms more);
- the translation catalogue of each language.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation

# PDFs are rendered by the Celery worker, which does not load this module.
NOT_PAGES = ("pdf",)


def page_templates(root: Path) -> list[str]:
    """The names of the page templates under `root` (the project's template directory)."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if path.relative_to(root).parts[0] not in NOT_PAGES
    )


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 (the attribute is read for its side effect: the import)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            pass  # activating a language loads its catalogue, which is cached for the process
    for directory in cast("list[str | Path]", settings.TEMPLATES[0]["DIRS"]):
        for name in page_templates(Path(directory)):
            get_template(name)
