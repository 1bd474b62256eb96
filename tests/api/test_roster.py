"""The roster over the API: units and cadres, read-only, scoped exactly like the pages (visible_to)."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from tests.api.conftest import ClientFor
from tests.conftest import Org, Personas


def _ids(response: object) -> set[int]:
    return {row["id"] for row in response.json()["results"]}  # type: ignore[attr-defined]


def test_anonymous_sees_no_roster(anonymous: APIClient, personas: Personas) -> None:
    assert anonymous.get("/api/v1/cadres/").status_code == 401
    assert anonymous.get("/api/v1/units/").status_code == 401


def test_the_org_admin_lists_the_cadres_of_their_district_only(client_for: ClientFor, personas: Personas) -> None:
    ids = _ids(client_for(personas.alice).get("/api/v1/cadres/"))
    assert {personas.carl_cadre.pk, personas.dora_cadre.pk} <= ids
    assert personas.bella_cadre.pk not in ids


def test_an_outsider_gets_404_for_a_cadre_of_another_district(client_for: ClientFor, personas: Personas) -> None:
    oscar = client_for(personas.oscar)
    assert oscar.get(f"/api/v1/cadres/{personas.carl_cadre.pk}/").status_code == 404
    assert oscar.get(f"/api/v1/cadres/{personas.bella_cadre.pk}/").status_code == 200


def test_a_cadre_sees_only_their_own_record(client_for: ClientFor, personas: Personas) -> None:
    assert _ids(client_for(personas.carl).get("/api/v1/cadres/")) == {personas.carl_cadre.pk}


def test_the_cadre_list_filters_by_unit_and_text(client_for: ClientFor, personas: Personas, org: Org) -> None:
    alice = client_for(personas.alice)
    assert _ids(alice.get("/api/v1/cadres/", {"unit": org.bureau.pk})) == {
        row["id"] for row in alice.get("/api/v1/cadres/", {"q": "李强"}).json()["results"]
    }
    assert alice.get("/api/v1/cadres/", {"unit": "x"}).status_code == 400


def test_the_roster_is_read_only(client_for: ClientFor, personas: Personas) -> None:
    alice = client_for(personas.alice)
    assert alice.post("/api/v1/cadres/", {"name": "新人"}, format="json").status_code == 405
    assert alice.patch(f"/api/v1/cadres/{personas.carl_cadre.pk}/", {"name": "x"}).status_code == 405


def test_units_are_those_of_the_users_subtrees(client_for: ClientFor, personas: Personas, org: Org) -> None:
    ids = _ids(client_for(personas.oscar).get("/api/v1/units/"))
    assert ids == {org.district_b.pk, org.b_office.pk}


def test_the_cadre_list_costs_a_constant_number_of_queries(
    client_for: ClientFor, personas: Personas, django_assert_num_queries: Any
) -> None:
    alice = client_for(personas.alice)
    # The token with its user, the user's grants, the count, the page (one per cadre would be an N+1).
    with django_assert_num_queries(4):
        assert alice.get("/api/v1/cadres/").status_code == 200
