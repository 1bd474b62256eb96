"""Fixtures of the rectification tests: private media, plain static files and eager Celery.
States are built with the real services in `states.py`."""

from __future__ import annotations

from tests.fixtures import _eager_celery, _plain_static_storage, media_root  # noqa: F401 (autouse fixtures)
