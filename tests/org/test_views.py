"""The roster page (cadre list): who may open it, what it shows, and what it costs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from project.org.models import Cadre, Unit
from tests.conftest import Org, Personas

pytestmark = pytest.mark.django_db

URL = reverse("org:cadre_list")
# Session, user, grants (menu and visibility), count, one page of cadres joined to their units, messages:
# the same for 3 rows as for 50.
MAX_QUERIES = 10


def add_cadres(unit: Unit, count: int) -> None:
    Cadre.objects.bulk_create(
        Cadre(
            external_id=f"{unit.code}-X{n:04d}",
            name=f"干部{n}",
            gender="F",
            birth_date=date(1988, 1, 1),
            unit=unit,
            post="科员",
            rank="一级科员",
        )
        for n in range(count)
    )


def names_on(response: Any) -> set[str]:
    return {cadre.name for cadre in response.context["page"]}


def test_it_sends_anonymous_visitors_to_log_in(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_cadre_without_a_role_may_not_see_the_roster(client: Client, personas: Personas) -> None:
    client.force_login(personas.carl)

    assert client.get(URL).status_code == 403


def test_an_auditor_may_not_open_the_roster_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.audrey)

    assert client.get(URL).status_code == 403


def test_an_org_admin_sees_the_cadres_of_their_subtree_only(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    response = client.get(URL)

    assert response.status_code == 200
    assert names_on(response) == {"李强", "陈刚", "刘芳"}
    assert "黄蓓" not in response.content.decode()


def test_an_org_admin_of_another_district_sees_only_their_own(client: Client, personas: Personas) -> None:
    client.force_login(personas.oscar)

    assert names_on(client.get(URL)) == {"黄蓓"}


def test_a_search_by_name_narrows_the_list(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    assert names_on(client.get(URL, {"q": "刘"})) == {"刘芳"}


def test_a_search_never_reaches_outside_the_subtree(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    assert names_on(client.get(URL, {"q": "B-0001"})) == set()


def test_it_rejects_post(client: Client, personas: Personas) -> None:
    client.force_login(personas.alice)

    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("extra", [0, 120])
def test_the_query_count_does_not_depend_on_the_number_of_rows(
    client: Client, personas: Personas, org: Org, extra: int, django_assert_max_num_queries: Any
) -> None:
    add_cadres(org.section_2, extra)
    client.force_login(personas.alice)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(URL, {"page": 2 if extra else 1})

    assert len(response.context["page"]) == (50 if extra else 3)
