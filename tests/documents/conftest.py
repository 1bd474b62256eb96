"""Fixtures of the documents tests: private media, eager Celery, test-only kinds and templates."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.test import Client

from project.documents.models import Document
from project.documents.registry import register_document_kind, unregister_document_kind
from project.documents.services import document_request
from project.org.models import User
from tests.fixtures import _eager_celery, _plain_static_storage, media_root  # noqa: F401 (autouse fixtures)
from tests.services import require_redis
from tests.worker import CeleryWorker, celery_worker

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def test_templates(settings: Any) -> Path:
    """Add tests/documents/templates (hostile and oversized layouts) to the template search path."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    return TEST_TEMPLATES


KindBuilder = Callable[[Document], tuple[str, Mapping[str, Any]]]


@pytest.fixture
def register_kind() -> Iterator[Callable[..., str]]:
    """Register a kind for one test: `register_kind("test_x", build=..., can_view=...)`."""
    registered: list[str] = []

    def register(
        kind: str,
        *,
        build: KindBuilder,
        can_view: Callable[[Any, Document], bool] = lambda user, document: user.is_authenticated,
        template_version: str = "7",
    ) -> str:
        register_document_kind(kind, label=kind, template_version=template_version, build=build, can_view=can_view)
        registered.append(kind)
        return kind

    yield register
    for kind in registered:
        unregister_document_kind(kind)


def request_rendered(
    capture: Callable[..., Any], *, actor: User, obj: models.Model, title: str, kind: str = "demo", key: str = ""
) -> Document:
    """Request a document and run the on-commit rendering (eagerly), as the web request would."""
    with capture(execute=True):
        document = document_request(actor=actor, kind=kind, obj=obj, title=title, key=key)
    document.refresh_from_db()
    return document


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def pdf_worker(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[CeleryWorker]:
    """A real `celery worker -Q pdf` on the Redis test database, sharing this test's database and media."""
    broker_url = require_redis()
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's MEDIA_ROOT: DJANGO_VAR_DIR/media
    with celery_worker(queues=["pdf"], broker_url=broker_url, var_dir=tmp_path) as worker:
        yield worker
