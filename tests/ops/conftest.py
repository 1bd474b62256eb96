"""Fixtures of the operations tests: private media per test, plain static files, the blocking kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from project.documents.registry import unregister_document_kind
from tests.fixtures import _plain_static_storage, media_root  # noqa: F401 (autouse fixtures)
from tests.ops import blocking


@pytest.fixture
def blocking_kind() -> Iterator[str]:
    """The blocking kind, registered in this process too (the request checks the kind exists)."""
    blocking.register()
    yield blocking.KIND
    unregister_document_kind(blocking.KIND)
