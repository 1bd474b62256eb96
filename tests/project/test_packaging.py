from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_deprecated_django_fsm_package_is_not_installed() -> None:
    # django-fsm and django-fsm-2 write the same files; whichever installed last wins, file by file.
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.version("django-fsm")


def test_the_project_depends_on_django_fsm_2_and_never_on_django_fsm() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {dep.split("~")[0].split(">")[0].split("=")[0].split("[")[0].strip().lower() for dep in dependencies}
    assert "django-fsm-2" in names
    assert "django-fsm" not in names


def test_every_dependency_is_pinned_compatibly() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    unpinned = [dep for dep in dependencies if not any(op in dep for op in ("~=", ">="))]
    assert unpinned == []
