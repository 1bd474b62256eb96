"""Reachability of the real PostgreSQL and Redis, with the CI rule: under CI=true, missing fails."""

from __future__ import annotations

import os
import socket

import pytest
from django.db import connection

POSTGRES_HOST = os.environ.get("TEST_POSTGRES_HOST", "127.0.0.1")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} — CI must run this test, so the service has to be up.")
    pytest.skip(reason)


def require_postgres() -> None:
    """The test needs the default database to be PostgreSQL (the suite's PostgreSQL pass)."""
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: run the suite with DATABASE_URL=postgres://... (make test does)")


def require_redis() -> str:
    host, port = REDIS_URL.split("//")[1].split("/")[0].split(":")
    if not _reachable(host, int(port)):
        _missing(f"needs Redis at {host}:{port}")
    return REDIS_URL
