"""The case benchmark works end to end at a toy size (the real run is `make bench-cases`, on PostgreSQL)."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from cases.management.commands import bench_cases
from cases.rectification.models import CaseState, RectificationCase

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("bench_cases", *args, "--json", "--allow-production", stdout=out, stderr=io.StringIO())
    figures: dict[str, Any] = json.loads(out.getvalue())
    return figures


def test_the_benchmark_seeds_cases_and_times_every_list_against_the_minimal_view() -> None:
    figures = _run("--cases", "300", "--only", "lists", "--repeat", "1", "--tag", "BT1")
    assert figures["cases"] == 300
    assert RectificationCase.objects.filter(unit__code__startswith="BT1").count() == 300
    assert {state for state in RectificationCase.objects.values_list("state", flat=True)} > {CaseState.RECTIFYING}
    rows = {row["name"]: row for row in figures["lists"]}
    assert rows["all, newest first"]["rows"] == 300
    assert 0 < rows["overdue"]["rows"] < 300
    for row in figures["lists"]:
        assert row["page"]["seconds"] > 0
        assert row["minimal"]["seconds"] > 0
        assert row["page"]["queries"] == row["page_100"]["queries"]
    assert rows["all, newest first"]["admin"]["queries"] > 0
    assert 0 < figures["leader_rows"] < 300


def test_a_second_run_reuses_the_seeded_district() -> None:
    _run("--cases", "60", "--only", "lists", "--repeat", "1", "--tag", "BT2")
    again = _run("--cases", "999", "--only", "lists", "--repeat", "1", "--tag", "BT2")
    assert again["cases"] == 60


def test_the_minimal_view_returns_the_same_page_as_the_case_list() -> None:
    seeded = bench_cases.seed("BT3", 80, random.Random(3), lambda _line: None)
    client = Client()
    client.force_login(seeded.admin)
    with override_settings(ROOT_URLCONF=bench_cases.__name__):
        for query in ("", "state=rectifying", "sort=cadre&page=2", "overdue=on", "count=all&sort=unit"):
            listed = [
                case["pk"] for case in client.get(f"{reverse('cases:rectification:list')}?{query}").context["page"]
            ]
            minimal = [row["pk"] for row in client.get(f"/__bench__/cases/?{query}").json()["rows"]]
            assert listed == minimal, query


def test_the_talk_record_is_timed_against_a_plain_document_of_two_pages() -> None:
    figures = _run("--cases", "40", "--only", "pdf", "--repeat", "1", "--tag", "BT4")
    assert figures["talk_pdf"] > 0
    assert figures["plain_pdf"] > 0
    assert figures["talk_pdf_cpu"] > 0
    assert figures["plain_pdf_cpu"] > 0
    assert figures["pdf_pages"] == [2, 2]
