"""The cases dashboard: the figures (SQL over what each person may see), the page (the usual checks, the
charts' JSON, the tables under them, the navigation link) and a constant number of queries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases.rectification import period_services, services
from cases.rectification.dashboard import dashboard_for, manifestation_counts, overdue_by_unit, state_counts_by_unit
from cases.rectification.models import RectificationCase
from project.org.models import User
from tests.cases.rectification.states import (
    closed_rectified,
    escalated,
    nominated,
    rectifying,
    roster,
    talking,
)
from tests.cases.rectification.visit_states import planned
from tests.conftest import Org, Personas

pytestmark = pytest.mark.django_db

URL = "/cases/rectification/dashboard/"
# Far enough ahead that the talk, the commitment (30 days), the visit window (15 working days) and the
# one-month period of the spread below are all overdue; nothing is overdue today.
LATER = 60


@dataclass
class Spread:
    carl: RectificationCase  # 综合科, rectifying for one month, a commitment, a visit planned
    dora: RectificationCase  # 综合科, talking, no talk yet
    rectified: RectificationCase  # 投资科, closed as rectified
    handled: RectificationCase  # 投资科, closed after handling
    opened: RectificationCase  # 投资科, nominated by hand with M1 and a round's own code X9
    bella: RectificationCase  # 西城区政务服务中心 (district B), nominated


@pytest.fixture
def spread(org: Org, personas: Personas, monkeypatch: pytest.MonkeyPatch) -> Spread:
    carl = rectifying(personas, months=1)
    planned(personas, carl)
    dora = talking(personas, cadre=personas.dora_cadre)
    first, second, third = roster(org.section_2, 3, "S2")
    rectified = closed_rectified(personas, monkeypatch, cadre=first)
    handled = period_services.case_close_handled(
        actor=personas.alice, case=escalated(personas, monkeypatch, cadre=second)
    )
    opened = services.case_open_manually(
        actor=personas.alice, cadre=third, reason="群众反映办事推诿。", manifestations=["M1", "X9"]
    )
    bella = nominated(personas, cadre=personas.bella_cadre)
    return Spread(carl, dora, rectified, handled, opened, bella)


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def later() -> Any:
    return timezone.localdate() + timedelta(days=LATER)


# --- the figures ----------------------------------------------------------------------------------------


def test_state_counts_are_per_unit_and_only_of_visible_cases(personas: Personas, spread: Spread) -> None:
    units = {unit.name: unit.counts for unit in state_counts_by_unit(user=personas.alice)}
    assert units == {
        "综合科": {"rectifying": 1, "talking": 1},
        "投资科": {"closed_rectified": 1, "closed_handled": 1, "nominated": 1},
    }
    assert {unit.name: unit.counts for unit in state_counts_by_unit(user=personas.oscar)} == {
        "西城区政务服务中心": {"nominated": 1}
    }


def test_the_leader_counts_only_the_cases_they_lead(personas: Personas, spread: Spread) -> None:
    # the selectors follow visible_to; the page itself is not theirs (see the 403 below)
    total = sum(unit.total for unit in state_counts_by_unit(user=personas.leo))
    assert total == RectificationCase.objects.filter(leader=personas.leo).count()


def test_the_rectification_rate_is_rectified_over_closed(personas: Personas, spread: Spread) -> None:
    figures = dashboard_for(user=personas.alice, today=timezone.localdate(), include_visits=True)
    by_name = {unit.name: unit for unit in figures.units}
    assert by_name["投资科"].rate == 0.5
    assert by_name["综合科"].rate is None  # nothing closed yet: no rate, not 0 %
    assert figures.all_units.closed == 2
    assert figures.all_units.rate == 0.5


def test_manifestations_are_counted_among_open_cases_including_a_rounds_own_codes(
    personas: Personas, spread: Spread
) -> None:
    counts = {row.code: row.cases for row in manifestation_counts(user=personas.alice)}
    # carl and dora (M3, open); the hand-opened case (M1, X9); the closed cases' M3 not counted
    assert counts == {"M1": 1, "M3": 2, "X9": 1}
    for language, words in (("zh-hans", "推诿扯皮"), ("en", "Pushing work up and down")):
        with translation.override(language):
            labels = {row.code: str(row.label) for row in manifestation_counts(user=personas.alice)}
        assert words in labels["M1"]
        assert labels["X9"] == "X9"
    assert {row.code: row.cases for row in manifestation_counts(user=personas.oscar)} == {"M3": 1}


def test_nothing_is_overdue_today(personas: Personas, spread: Spread) -> None:
    assert overdue_by_unit(user=personas.alice, today=timezone.localdate(), include_visits=True) == []


def test_overdue_talks_commitments_visits_and_periods_per_unit(personas: Personas, spread: Spread) -> None:
    rows = overdue_by_unit(user=personas.alice, today=later(), include_visits=True)
    assert [(row.name, row.talks, row.commitments, row.visits, row.past_period) for row in rows] == [
        ("综合科", 1, 1, 1, 1)
    ]
    assert rows[0].total == 4


def test_a_visit_carried_out_is_no_longer_overdue(personas: Personas, spread: Spread) -> None:
    from cases.rectification import visit_services
    from cases.rectification.visit_models import VisitPlan

    plan = visit_services.visit_plan_seal(actor=personas.alice, plan=VisitPlan.objects.get(case=spread.carl))
    visit_services.visit_execute(actor=personas.ivy, plan=plan, verdict="improved")
    [row] = overdue_by_unit(user=personas.alice, today=later(), include_visits=True)
    assert row.visits == 0


def test_the_auditor_gets_no_visit_figures(personas: Personas, spread: Spread) -> None:
    figures = dashboard_for(user=personas.audrey, today=later(), include_visits=False)
    assert not figures.visits_shown
    assert [row.visits for row in figures.overdue] == [None]
    assert figures.overdue_total.visits is None
    assert figures.overdue_total.total == 3


def test_no_visible_cases_give_empty_figures(personas: Personas) -> None:
    figures = dashboard_for(user=personas.alice, today=timezone.localdate(), include_visits=True)
    assert figures.units == []
    assert figures.manifestations == []
    assert figures.overdue == []
    assert figures.all_units.rate is None


# --- the page ---------------------------------------------------------------------------------------------


def test_the_url_is_named() -> None:
    assert reverse("cases:rectification:dashboard") == URL


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["leo", "ivy", "rita", "carl"])
def test_people_without_a_view_over_cases_get_403(client: Client, personas: Personas, who: str) -> None:
    assert login(client, getattr(personas, who)).get(URL).status_code == 403


@pytest.mark.parametrize("method", ["post", "delete"])
def test_wrong_methods_are_refused(client: Client, personas: Personas, method: str) -> None:
    assert getattr(login(client, personas.alice), method)(URL).status_code == 405


def test_the_organization_department_sees_charts_and_tables(client: Client, personas: Personas, spread: Spread) -> None:
    response = login(client, personas.alice).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    charts = response.context["charts"]
    assert charts["states"]["labels"] == ["综合科", "投资科"]
    # The page speaks the user's language (zh-hans by default): 暗访 is "unannounced visits".
    assert {dataset["label"] for dataset in charts["overdue"]["datasets"]} >= {"暗访"}
    assert charts["rate"]["datasets"][0]["data"] == [50.0]
    assert 'id="dashboard-data"' in page
    assert json.loads(page.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0]) == charts
    assert "cases/dashboard.js" in page
    assert "<script>" not in page  # no inline script
    assert page.count("<table") == 4  # a table under each chart
    assert "50.0%" in page
    assert "西城区政务服务中心" not in page


def test_the_auditor_reads_the_dashboard_without_visit_figures(
    client: Client, personas: Personas, spread: Spread
) -> None:
    response = login(client, personas.audrey).get(URL)
    assert response.status_code == 200
    labels = {dataset["label"] for dataset in response.context["charts"]["overdue"]["datasets"]}
    assert "unannounced visits" not in labels
    assert "综合科" in response.content.decode()


def test_the_navigation_links_the_dashboard_for_the_organization_department_and_auditors(
    client: Client, personas: Personas
) -> None:
    home = reverse("home")
    assert URL in login(client, personas.alice).get(home).content.decode()
    assert URL in login(client, personas.audrey).get(home).content.decode()
    assert URL not in login(client, personas.leo).get(home).content.decode()


def test_the_charts_script_is_a_static_file() -> None:
    assert finders.find("cases/dashboard.js")
    assert finders.find("cases/dashboard.css")


# session, user, grants, state counts, manifestations, overdue cases, commitments, visits
DASHBOARD_QUERIES = 8


def test_the_dashboard_query_count_does_not_grow_with_cases_or_units(
    client: Client, org: Org, personas: Personas, spread: Spread, django_assert_max_num_queries: Any
) -> None:
    login(client, personas.alice)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        client.get(URL)
    for unit, prefix in ((org.section_1, "N1"), (org.section_2, "N2"), (org.bureau, "N3")):
        for cadre in roster(unit, 4, prefix):
            services.case_open_manually(actor=personas.alice, cadre=cadre, reason="作风问题。", manifestations=["M2"])
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL)
    assert len(response.context["charts"]["states"]["labels"]) == 3


def test_a_chart_without_figures_is_left_out_and_its_table_says_so(client: Client, personas: Personas) -> None:
    nominated(personas)  # one open case: nothing closed, nothing overdue
    page = login(client, personas.alice).get(URL).content.decode()
    assert 'data-chart="states"' in page
    assert 'data-chart="rate"' not in page
    assert 'data-chart="overdue"' not in page
    assert "尚无已办结案件。" in page  # "No case is closed yet."
    assert "暂无逾期事项。" in page  # "Nothing is overdue."
