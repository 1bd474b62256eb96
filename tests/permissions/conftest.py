"""The matrix's fixture world: built once per module inside a transaction that is rolled back at the end;
each test runs in its own savepoint (pytest-django's `db`), so a POST that changes something is undone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from project.celery import app as celery_app
from tests.permissions.matrix import PERSONAS
from tests.permissions.world import World, build_world

# The matrix runs with two factors off (DJANGO_REQUIRE_2FA → settings.REQUIRE_2FA = False): it checks who may
# see and do what, and with the setting on every staff page would first answer "set up your second factor".
# The 2FA gate has its own tests.
MATRIX_SETTINGS: dict[str, Any] = {
    "REQUIRE_2FA": False,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media = Path(tmp_path_factory.mktemp("matrix-media"))
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        with override_settings(MEDIA_ROOT=media, **MATRIX_SETTINGS), django_db_blocker.unblock(), transaction.atomic():
            world = build_world()
            world.sessions = _log_in_once(world)
            yield world
            transaction.set_rollback(True)
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


def _log_in_once(world: World) -> dict[str, str]:
    """A session per persona, made once: logging in ~1,000 times (with django-axes' bookkeeping on each)
    would cost more than the requests themselves."""
    sessions = {}
    for persona in PERSONAS:
        user = getattr(world.personas, persona)
        if user is not None:
            client = Client()
            client.force_login(user)
            sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def client_as(world: World, persona: str) -> Client:
    """A fresh client carrying the persona's session cookie (anonymous: none); errors become 500s."""
    client = Client(raise_request_exception=False)
    if persona in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client
