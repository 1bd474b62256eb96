"""The verification guards: what the unannounced visits (暗访) found.

`verifying → closed_rectified` (销号) needs at least one executed visit with the verdict "improved";
`verifying → escalated` needs one with "unchanged" or "worse". Only visits executed since the current
rectification period started count: after an escalation and a new period, the old verdicts are spent.
The transitions look these names up at call time. They read the verdict only — never the sealed plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from cases.rectification.models import RectificationCase
    from cases.rectification.visit_models import VisitPlan


def _executed(case: RectificationCase) -> QuerySet[VisitPlan]:
    # Imported here: models.py imports this module for its transition conditions.
    from cases.rectification.visit_models import VisitPlan

    visits = VisitPlan.objects.filter(case_id=case.pk, executed_at__isnull=False)
    if case.period_start is not None:
        visits = visits.filter(executed_at__date__gte=case.period_start)
    return visits


def has_improved_visit(case: RectificationCase) -> bool:
    """Whether a visit executed in the current period found the cadre improved."""
    from cases.rectification.visit_models import VisitVerdict

    return _executed(case).filter(verdict=VisitVerdict.IMPROVED).exists()


def has_unimproved_visit(case: RectificationCase) -> bool:
    """Whether a visit executed in the current period found the cadre unchanged or worse."""
    from cases.rectification.visit_models import VisitVerdict

    return _executed(case).filter(verdict__in=[VisitVerdict.UNCHANGED, VisitVerdict.WORSE]).exists()
