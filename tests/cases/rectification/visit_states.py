"""Unannounced visits brought to each state through the real services."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from cases.matters.workdays import add_working_days
from cases.rectification import visit_services
from cases.rectification.models import RectificationCase
from cases.rectification.visit_models import VisitPlan
from tests.cases.rectification.states import verifying
from tests.conftest import Personas


def window(opens_in: int = 0) -> tuple[date, date]:
    """A window open from today by default, so that the team may record the visit at once (nothing is
    recorded before the window opens)."""
    start = timezone.localdate() + timedelta(days=opens_in)
    return start, add_working_days(start, 15)


def planned(personas: Personas, case: RectificationCase | None = None, *, opens_in: int = 0) -> VisitPlan:
    """alice plans a visit of carl's case (verifying by default) with ivy on the team."""
    start, end = window(opens_in)
    return visit_services.visit_plan_create(
        actor=personas.alice,
        case=case or verifying(personas),
        team=[personas.ivy],
        window_start=start,
        window_end=end,
        method="工作日上午随机到岗查看，不提前通知。",
    )


def sealed(personas: Personas, case: RectificationCase | None = None, *, opens_in: int = 0) -> VisitPlan:
    return visit_services.visit_plan_seal(actor=personas.alice, plan=planned(personas, case, opens_in=opens_in))


def executed(personas: Personas, verdict: str, case: RectificationCase | None = None) -> VisitPlan:
    """Sealed, one observation by ivy, and ivy's verdict."""
    plan = sealed(personas, case)
    visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 在办公室观看网络视频")
    return visit_services.visit_execute(actor=personas.ivy, plan=plan, verdict=verdict, note="仍有脱岗现象。")
