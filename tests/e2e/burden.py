"""The burden figures the journeys measure, written as JSON beside the screenshots (var/e2e-artifacts/burden/).

docs/BURDEN.md is written from these files by hand: the tests assert the targets, the page explains them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.e2e.conftest import Burden


def record_burden(burden: Burden, language: str) -> None:
    from tests.e2e.conftest import ARTIFACTS

    folder = ARTIFACTS / "burden"
    folder.mkdir(parents=True, exist_ok=True)
    slug = burden.task.replace(" ", "-")
    (folder / f"{slug}-{language}.json").write_text(json.dumps(burden.row(), ensure_ascii=False, indent=2))
