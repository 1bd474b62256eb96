"""Lists answer in a constant number of queries, however many rows the page holds (no N+1), and pages are
bounded whatever size is asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cases.matters import services as matter_services
from project.api.pagination import MAX_PAGE_SIZE, BoundedPagination
from tests.api.conftest import ClientFor
from tests.cases.matters.states import received
from tests.cases.rectification.states import nominated, record_talk, talking
from tests.conftest import Org, Personas, make_cadre


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _more_cases(personas: Personas, org: Org) -> None:
    for i in range(3):
        nominated(personas, cadre=make_cadre(org.section_2, f"A-09{i}", f"干部{i}"), round_ref=None)


def _more_matters(personas: Personas, org: Org) -> None:
    for i in range(3):
        cadre = make_cadre(org.section_2, f"A-08{i}", f"干部{i}")
        matter_services.matter_receive(actor=personas.alice, cadre=cadre, title=f"事项{i}", facts="事实")


def _more_talks(personas: Personas, org: Org) -> None:
    case = talking(personas, cadre=personas.dora_cadre, round_ref=None)
    for _ in range(3):
        record_talk(personas, case)


@pytest.mark.parametrize(
    ("url", "first", "more"),
    [
        ("/api/v1/cases/", lambda p, o: nominated(p), _more_cases),
        ("/api/v1/matters/", lambda p, o: received(p), _more_matters),
        ("/api/v1/talks/", lambda p, o: record_talk(p, talking(p)), _more_talks),
    ],
)
def test_a_list_costs_the_same_queries_for_one_row_or_many(
    client_for: ClientFor,
    personas: Personas,
    org: Org,
    url: str,
    first: Callable[[Personas, Org], object],
    more: Callable[[Personas, Org], None],
) -> None:
    alice = client_for(personas.alice)
    first(personas, org)
    few = _queries(alice, url)
    more(personas, org)
    assert alice.get(url).json()["count"] > 1
    assert _queries(alice, url) == few


def test_a_page_never_holds_more_than_the_maximum() -> None:
    request = Request(APIRequestFactory().get("/api/v1/cases/", {"page_size": "100000"}))
    assert BoundedPagination().get_page_size(request) == MAX_PAGE_SIZE
