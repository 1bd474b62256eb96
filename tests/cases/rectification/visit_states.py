"""Unannounced visits brought to each state through the real services."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from cases.matters.workdays import add_working_days
from cases.rectification import visit_services
from cases.rectification.models import RectificationCase, VisitPlan
from tests.cases.rectification.states import verifying
from tests.conftest import Personas


def window() -> tuple[date, date]:
    today = timezone.localdate()
    return today + timedelta(days=1), add_working_days(today, 15)


def planned(personas: Personas, case: RectificationCase | None = None) -> VisitPlan:
    """alice plans a visit of carl's case (verifying by default) with ivy on the team."""
    start, end = window()
    return visit_services.visit_plan_create(
        actor=personas.alice,
        case=case or verifying(personas),
        team=[personas.ivy],
        window_start=start,
        window_end=end,
        method="工作日上午随机到岗查看，不提前通知。",
    )


def sealed(personas: Personas, case: RectificationCase | None = None) -> VisitPlan:
    return visit_services.visit_plan_seal(actor=personas.alice, plan=planned(personas, case))


def executed(personas: Personas, verdict: str, case: RectificationCase | None = None) -> VisitPlan:
    """Sealed, one observation by ivy, and ivy's verdict."""
    plan = sealed(personas, case)
    visit_services.visit_observation_add(actor=personas.ivy, plan=plan, text="10:35 在办公室观看网络视频")
    return visit_services.visit_execute(actor=personas.ivy, plan=plan, verdict=verdict, note="仍有脱岗现象。")
