"""The cases dashboard: four charts (cases/static/cases/dashboard.js draws them from one json_script block,
no inline script) with the same figures as tables under each chart."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.rectification import permissions
from cases.rectification.dashboard import Dashboard, dashboard_for
from cases.rectification.models import CaseState
from project.http import request_user


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _charts(figures: Dashboard) -> dict[str, object]:
    """What dashboard.js draws: labels and datasets only, every label already translated."""
    totals = figures.all_units.counts
    states = [state for state in CaseState if totals.get(state)]
    closed_units = [unit for unit in figures.units if unit.closed]
    kinds = [("talks", _("talks")), ("commitments", _("commitments"))]
    if figures.visits_shown:
        kinds.append(("visits", _("unannounced visits")))
    kinds.append(("past_period", _("periods past their end")))
    return {
        "states": {
            "labels": [unit.name for unit in figures.units],
            "datasets": [
                {"label": str(state.label), "data": [unit.counts.get(state, 0) for unit in figures.units]}
                for state in states
            ],
        },
        "manifestations": {
            "labels": [row.label for row in figures.manifestations],
            "datasets": [{"label": _("open cases"), "data": [row.cases for row in figures.manifestations]}],
        },
        "rate": {
            "labels": [unit.name for unit in closed_units],
            "datasets": [{"label": _("rectified (%)"), "data": [_percent(unit.rate) for unit in closed_units]}],
            "percent": True,
        },
        "overdue": {
            "labels": [row.name for row in figures.overdue],
            "datasets": [
                {"label": label, "data": [getattr(row, key) or 0 for row in figures.overdue]} for key, label in kinds
            ],
        },
    }


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """State counts per unit, manifestations among open cases, the rectification rate and overdue items,
    over the cases the user may see; for the organization department and auditors."""
    user = request_user(request)
    if not permissions.can_view_dashboard(user):
        raise PermissionDenied
    figures = dashboard_for(
        user=user, today=timezone.localdate(), include_visits=permissions.can_see_visit_figures(user)
    )
    all_units = figures.all_units
    states = [state for state in CaseState if all_units.counts.get(state)]
    context = {
        "figures": figures,
        "charts": _charts(figures),
        "states": states,
        "state_rows": [
            (unit.name, [unit.counts.get(state, 0) for state in states], unit.total) for unit in figures.units
        ],
        "state_totals": [all_units.counts.get(state, 0) for state in states],
        "all_units": all_units,
        "rate_rows": [(unit.name, unit.closed, unit.rectified, _percent(unit.rate)) for unit in figures.units],
        "overall_rate": _percent(all_units.rate),
        "overdue_total": figures.overdue_total,
    }
    return render(request, "cases/rectification/dashboard.html", context)
