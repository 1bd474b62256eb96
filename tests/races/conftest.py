"""Races played out on PostgreSQL: private media, eager Celery, documents left pending (not under test)."""

from __future__ import annotations

import pytest

from project.org.models import Role, User
from project.org.services import role_grant
from tests.conftest import Org, Personas, make_user
from tests.fixtures import _eager_celery, _plain_static_storage, media_root  # noqa: F401 (autouse fixtures)


@pytest.fixture(autouse=True)
def _no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    # Documents stay pending: WeasyPrint is not what these tests are about.
    from project.documents import services

    monkeypatch.setattr(services, "_enqueue_render", lambda document_id: None)


@pytest.fixture
def bob(org: Org, personas: Personas) -> User:
    """A second member of district A's organization department (a circular's approver)."""
    user = make_user("bob", "吴波")
    role_grant(actor=None, user=user, role=Role.ORG_ADMIN, unit=org.district_a)
    return user
