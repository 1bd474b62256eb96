"""Fixtures of the security tests: two factors on, private media, plain static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def two_factors(settings: Any) -> Any:
    """Two factors required, as in production (the suite runs with DJANGO_REQUIRE_2FA=0)."""
    settings.REQUIRE_2FA = True
    return settings


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
