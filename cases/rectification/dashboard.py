"""Figures of the cases dashboard: SQL GROUP BY over what the user may see, returned as plain dataclasses.

Every selector starts from `visible_to(user)` and runs a fixed number of queries (one, or three for the
overdue items) whatever the number of cases or units, so the page's query count is constant. Visit
figures come from `VisitPlan.objects.visible_to`, which shows an auditor nothing: for them the figure is
None ("not shown"), never a misleading zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from cases.matters.workdays import add_working_days
from cases.rectification.models import (
    CLOSED_STATES,
    OPEN_STATES,
    CaseState,
    Commitment,
    CommitmentStatus,
    Manifestation,
    RectificationCase,
    Talk,
)
from cases.rectification.reminders import TALK_DUE_WORKING_DAYS
from cases.rectification.visit_models import VisitPlan

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from project.org.models import User

    AnyUser = User | AnonymousUser

# Each element of the JSON list of codes as a row, per database: SQLite's json_each, PostgreSQL's jsonb.
_MANIFESTATION_SQL = {
    "sqlite": "SELECT m.value, COUNT(DISTINCT c.id) FROM {table} c, json_each(c.manifestations) m "
    "WHERE c.id IN ({visible}) GROUP BY m.value ORDER BY m.value",
    "postgresql": "SELECT m.value, COUNT(DISTINCT c.id) FROM {table} c "
    "CROSS JOIN LATERAL jsonb_array_elements_text(c.manifestations) AS m(value) "
    "WHERE c.id IN ({visible}) GROUP BY m.value ORDER BY m.value",
}


@dataclass(frozen=True)
class UnitStates:
    """How many of a unit's cases are in each state (the unit the case was opened in)."""

    unit_id: int
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def closed(self) -> int:
        return sum(self.counts.get(state, 0) for state in CLOSED_STATES)

    @property
    def rectified(self) -> int:
        return self.counts.get(CaseState.CLOSED_RECTIFIED, 0)

    @property
    def rate(self) -> float | None:
        """Closed rectified (销号) over all closed cases; None when none is closed yet."""
        return self.rectified / self.closed if self.closed else None


@dataclass(frozen=True)
class ManifestationCount:
    code: str
    label: str
    cases: int


@dataclass(frozen=True)
class UnitOverdue:
    """Overdue items of a unit's open cases. `visits` is None when the user may not see visit plans."""

    unit_id: int
    name: str
    talks: int = 0
    commitments: int = 0
    visits: int | None = None
    past_period: int = 0

    @property
    def total(self) -> int:
        return self.talks + self.commitments + (self.visits or 0) + self.past_period


@dataclass(frozen=True)
class Dashboard:
    units: list[UnitStates]
    manifestations: list[ManifestationCount]
    overdue: list[UnitOverdue]
    visits_shown: bool

    @property
    def all_units(self) -> UnitStates:
        """The figures of every unit together."""
        totals: dict[str, int] = {}
        for unit in self.units:
            for state, n in unit.counts.items():
                totals[state] = totals.get(state, 0) + n
        return UnitStates(unit_id=0, name="", counts=totals)

    @property
    def overdue_total(self) -> UnitOverdue:
        return UnitOverdue(
            unit_id=0,
            name="",
            talks=sum(row.talks for row in self.overdue),
            commitments=sum(row.commitments for row in self.overdue),
            visits=sum(row.visits or 0 for row in self.overdue) if self.visits_shown else None,
            past_period=sum(row.past_period for row in self.overdue),
        )


def state_counts_by_unit(*, user: AnyUser) -> list[UnitStates]:
    """Visible cases per unit and state, units in tree order: one GROUP BY query."""
    rows = (
        RectificationCase.objects.visible_to(user)
        .values_list("unit_id", "unit__name", "unit__path", "state")
        .annotate(n=Count("pk"))
        .order_by("unit__path", "state")
    )
    units: dict[int, UnitStates] = {}
    for unit_id, name, _path, state, n in rows:
        units.setdefault(unit_id, UnitStates(unit_id=unit_id, name=name)).counts[state] = n
    return list(units.values())


def manifestation_counts(*, user: AnyUser) -> list[ManifestationCount]:
    """Open visible cases per manifestation code (a case with two codes counts under both): one query.

    Codes a round added itself are counted under their own code.
    """
    try:
        visible, params = RectificationCase.objects.visible_to(user).open().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return []
    sql = _MANIFESTATION_SQL[connection.vendor].format(
        table=connection.ops.quote_name(RectificationCase._meta.db_table), visible=visible
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    labels = dict(Manifestation.choices)
    return [ManifestationCount(code=code, label=str(labels.get(code, code)), cases=n) for code, n in rows]


def talk_due_cutoff(today: date) -> datetime:
    """Leaders assigned before this moment owe a signed talk by now (`TALK_DUE_WORKING_DAYS` working
    days after the assignment, as the reminders count), an aware datetime in the current time zone."""
    day = today - timedelta(days=1)
    while add_working_days(day, TALK_DUE_WORKING_DAYS) >= today:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def overdue_by_unit(*, user: AnyUser, today: date, include_visits: bool) -> list[UnitOverdue]:
    """Overdue items of the visible open cases per unit: talks not signed in time, open commitments past
    their deadline, visits not executed by their drawn date or window end, periods past their end.

    Three GROUP BY queries (cases, commitments, visits), two without visits.
    """
    visible = RectificationCase.objects.visible_to(user).open()
    signed = Talk.objects.filter(case=OuterRef("pk"), signed_at__isnull=False)
    late_talk = Q(state=CaseState.TALKING, leader_assigned_at__lt=talk_due_cutoff(today)) & ~Q(Exists(signed))
    past_period = Q(state=CaseState.RECTIFYING, period_end__lt=today)
    units: dict[tuple[str, int, str], dict[str, int]] = defaultdict(dict)

    case_rows = (
        visible.filter(late_talk | past_period)
        .values_list("unit__path", "unit_id", "unit__name")
        .annotate(late_talks=Count("pk", filter=late_talk), past=Count("pk", filter=past_period))
        .order_by()
    )
    for path, unit_id, name, talks, past in case_rows:
        units[path, unit_id, name].update(talks=talks, past_period=past)
    commitment_rows = (
        Commitment.objects.filter(case__in=visible.values("pk"), status=CommitmentStatus.OPEN, deadline__lt=today)
        .values_list("case__unit__path", "case__unit_id", "case__unit__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, unit_id, name, n in commitment_rows:
        units[path, unit_id, name]["commitments"] = n
    if include_visits:
        visit_rows = (
            VisitPlan.objects.visible_to(user)
            .filter(case__state__in=OPEN_STATES, executed_at__isnull=True)
            .filter(Q(visit_date__lt=today) | Q(window_end__lt=today))
            .values_list("case__unit__path", "case__unit_id", "case__unit__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for path, unit_id, name, n in visit_rows:
            units[path, unit_id, name]["visits"] = n
    return [
        UnitOverdue(
            unit_id=unit_id,
            name=name,
            talks=figures.get("talks", 0),
            commitments=figures.get("commitments", 0),
            visits=figures.get("visits", 0) if include_visits else None,
            past_period=figures.get("past_period", 0),
        )
        for (_path, unit_id, name), figures in sorted(units.items())
    ]


def dashboard_for(*, user: AnyUser, today: date, include_visits: bool) -> Dashboard:
    """Every figure of the dashboard for the user; `include_visits` as `permissions.can_see_visit_figures`."""
    return Dashboard(
        units=state_counts_by_unit(user=user),
        manifestations=manifestation_counts(user=user),
        overdue=overdue_by_unit(user=user, today=today, include_visits=include_visits),
        visits_shown=include_visits,
    )
