"""The case list's pages: the count is bounded (exact under the bound, "more than N" above it, exact on request),
the pages keep every filter, and the filter's selects are rendered with their options (the unit chosen)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.rectification import list_views
from cases.rectification.models import RectificationCase
from project.org.models import Cadre, User
from tests.cases.rectification.states import nominated, roster
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def cases(personas: Personas, n: int) -> list[RectificationCase]:
    return [nominated(personas, cadre=cadre) for cadre in roster(personas.carl_cadre.unit, n, "L")]


def page_links(html: str) -> list[str]:
    """The hrefs of the pagination links (Previous, Next), unescaped."""
    nav = html[html.index('<ul class="pagination') :]
    return [href.replace("&amp;", "&") for href in re.findall(r'class="page-link" href="([^"]*)"', nav)]


def test_paging_a_filtered_list_keeps_every_filter(client: Client, personas: Personas) -> None:
    cases(personas, 12)
    query: dict[str, Any] = {"state": "nominated", "manifestation": "M3", "sort": "oldest", "size": 10, "page": 2}
    response = login(client, personas.alice).get(reverse("cases:rectification:list"), query)
    previous = page_links(response.content.decode())[0]
    assert previous.startswith("?")
    assert set(previous[1:].split("&")) == {"state=nominated", "manifestation=M3", "sort=oldest", "size=10", "page=1"}


def test_the_next_page_keeps_the_unit_and_overdue_filters(client: Client, personas: Personas) -> None:
    cases(personas, 12)
    unit = personas.carl_cadre.unit
    query = {"unit": unit.pk, "size": 10}
    response = login(client, personas.alice).get(reverse("cases:rectification:list"), query)
    assert len(response.context["page"]) == 10
    (following,) = page_links(response.content.decode())
    assert set(following[1:].split("&")) == {f"unit={unit.pk}", "size=10", "page=2"}
    assert len(client.get(reverse("cases:rectification:list") + following).context["page"]) == 2


def test_the_unit_chosen_stays_selected_and_an_unknown_unit_is_refused(client: Client, personas: Personas) -> None:
    unit = personas.carl_cadre.unit
    listed = login(client, personas.alice).get(reverse("cases:rectification:list"), {"unit": unit.pk})
    assert f'<option value="{unit.pk}" selected>{unit.name}</option>' in listed.content.decode()
    assert listed.context["filter_form"].cleaned_data["unit"] == unit
    outside = personas.bella_cadre.unit  # another district's
    refused = client.get(reverse("cases:rectification:list"), {"unit": outside.pk})
    assert not refused.context["filter_form"].is_valid()
    assert f'value="{outside.pk}"' not in refused.content.decode()


def test_a_list_under_the_bound_shows_the_exact_total(client: Client, personas: Personas) -> None:
    cases(personas, 3)
    response = login(client, personas.alice).get(reverse("cases:rectification:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["exact"] is True
    assert "3 cases" in response.content.decode()


def test_a_list_over_the_bound_says_more_than_and_counts_on_request(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_views, "COUNT_AT_MOST", 5)
    cases(personas, 25)
    login(client, personas.alice)
    list_url = reverse("cases:rectification:list")
    query = {"size": 10, "state": "nominated"}
    bounded = client.get(list_url, query, HTTP_ACCEPT_LANGUAGE="en")
    html = bounded.content.decode()
    assert bounded.context["exact"] is False
    assert "More than 10 cases" in html  # the bound, or the rows up to the page if more
    assert "Page 1</span>" in html  # no "of N": the number of pages is not known
    assert 'href="?size=10&amp;state=nominated&amp;count=all"' in html
    assert page_links(html) == ["?size=10&state=nominated&page=2"]
    # A deeper page counts up to itself: there is a next page.
    second = client.get(list_url, {**query, "page": 2}, HTTP_ACCEPT_LANGUAGE="en")
    assert "More than 20 cases" in second.content.decode()
    assert second.context["page"].has_next()
    # The last page is exact again; past it one gets the last page, as before.
    last = client.get(list_url, {**query, "page": 3}, HTTP_ACCEPT_LANGUAGE="en")
    assert last.context["exact"] is True
    assert "25 cases" in last.content.decode()
    assert not last.context["page"].has_next()
    assert client.get(list_url, {**query, "page": 60}).context["page"].number == 3
    counted = client.get(list_url, {**query, "count": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    assert counted.context["exact"] is True
    assert "25 cases" in counted.content.decode()
    assert "Page 1 of 3" in counted.content.decode()
    assert page_links(counted.content.decode()) == ["?size=10&state=nominated&count=all&page=2"]


def test_the_bounded_list_shows_the_same_rows_as_the_exact_one(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_views, "COUNT_AT_MOST", 3)
    cases(personas, 25)
    login(client, personas.alice)
    list_url = reverse("cases:rectification:list")
    for number in (1, 2, 3):
        bounded = [case["pk"] for case in client.get(list_url, {"size": 10, "page": number}).context["page"]]
        exact = [
            case["pk"] for case in client.get(list_url, {"size": 10, "page": number, "count": "all"}).context["page"]
        ]
        assert bounded == exact, number
        assert len(bounded) == (10 if number < 3 else 5)


def test_the_own_unit_filter_reaches_the_units_under_it(client: Client, personas: Personas, org: Any) -> None:
    """A leader in charge without roles is offered their own unit only, not the units under it: filtering by
    it still lists the cases they lead in those units."""
    case = nominated(personas)  # carl's, in a section under the bureau
    uma = User.objects.create(username="uma", display_name="吴敏")
    Cadre.objects.create(
        external_id="A-UMA", name="吴敏", gender="F", birth_date=date(1980, 1, 1), unit=org.district_a, user=uma
    )
    RectificationCase.objects.filter(pk=case.pk).update(leader=uma)
    response = login(client, uma).get(reverse("cases:rectification:list"), {"unit": org.district_a.pk})
    assert response.context["filter_form"].is_valid()
    assert [listed["pk"] for listed in response.context["page"]] == [case.pk]


def test_the_unit_options_are_escaped(client: Client, personas: Personas) -> None:
    unit = personas.carl_cadre.unit
    unit.name = '<b>"综合"&科</b>'
    unit.save(update_fields=["name"])
    html = login(client, personas.alice).get(reverse("cases:rectification:list")).content.decode()
    assert f'<option value="{unit.pk}">&lt;b&gt;&quot;综合&quot;&amp;科&lt;/b&gt;</option>' in html
    assert "<b>" not in html


def test_on_a_phone_the_table_scrolls_in_its_own_box_with_one_manifestation_a_line(
    client: Client, personas: Personas
) -> None:
    case = cases(personas, 1)[0]
    case.manifestations = ["M1", "M2"]
    case.save(update_fields=["manifestations"])
    html = login(client, personas.alice).get(reverse("cases:rectification:list")).content.decode()
    assert re.search(r'<div class="table-responsive">\s*<table', html)
    assert len(re.findall(r'<span class="d-block text-nowrap">M\d ', html)) == 2
