"""Fixtures of the security tests: two factors on, private media, plain static files."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import media_root  # noqa: F401 (autouse fixtures)


@pytest.fixture
def two_factors(settings: Any) -> Any:
    """Two factors required, as in production (the suite runs with DJANGO_REQUIRE_2FA=0)."""
    settings.REQUIRE_2FA = True
    return settings
