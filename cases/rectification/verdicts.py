"""The verification guards: what the unannounced visits (暗访) found. A hook until visits exist.

`verifying → closed_rectified` (销号) needs at least one executed visit with the verdict "improved";
`verifying → escalated` needs one with "unchanged" or "worse". Visits are built later by a colleague;
until then both answer False, so no case can leave `verifying` except by withdrawal. Replace the
bodies (keep the signatures) when `cases.visits` lands: the transitions look these names up at call
time, so nothing else changes. They must read the verdict only — never the sealed plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.rectification.models import RectificationCase


def has_improved_visit(case: RectificationCase) -> bool:
    """Whether an executed unannounced visit of this case found the cadre improved. False until visits exist."""
    return False


def has_unimproved_visit(case: RectificationCase) -> bool:
    """Whether an executed visit found the cadre unchanged or worse. False until visits exist."""
    return False
