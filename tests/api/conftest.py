"""Fixtures of the API tests: a client per persona authenticated by its API token, private media, plain
static files and eager Celery (signing a talk renders its PDF)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from project.org.models import User
from tests.fixtures import _eager_celery, _plain_static_storage, media_root  # noqa: F401 (autouse fixtures)

ClientFor = Callable[[User], APIClient]


@pytest.fixture
def client_for() -> ClientFor:
    """An API client that sends the user's token, as a script would (English answers)."""

    def make(user: User) -> APIClient:
        token, _created = Token.objects.get_or_create(user=user)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")
