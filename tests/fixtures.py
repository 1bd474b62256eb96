"""Autouse fixtures several test packages share; a package's conftest imports the ones it wants, e.g.
`from tests.fixtures import _eager_celery, _plain_static_storage, media_root  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from project.celery import app as celery_app


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded and rendered files go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Tests run with DEBUG off, where the manifest storage needs `collectstatic` before any page that
    # uses {% static %} renders; the plain storage serves the same names without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@contextmanager
def eager_celery() -> Iterator[None]:
    """Without a broker: `.delay()` runs the task inline and re-raises its errors."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    with eager_celery():
        yield
