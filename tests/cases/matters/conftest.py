"""Fixtures of the matter tests: private media and eager Celery. States are built in `states.py`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.fixtures import _eager_celery, _plain_static_storage, media_root  # noqa: F401 (autouse fixtures)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Service messages are read in the active language; the default is zh-hans. Pages choose their own
    # language from the request (the tests send Accept-Language where they read the text).
    with translation.override("en"):
        yield
