"""Fixtures of the operations tests: private media per test, plain static files, the blocking kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from project.documents.registry import unregister_document_kind
from tests.ops import blocking


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Pages use {% static %}; the manifest storage would need `collectstatic` first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def blocking_kind() -> Iterator[str]:
    """The blocking kind, registered in this process too (the request checks the kind exists)."""
    blocking.register()
    yield blocking.KIND
    unregister_document_kind(blocking.KIND)
