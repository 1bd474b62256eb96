"""The benchmark command works end to end at a toy size (the real run is `make bench`, on PostgreSQL)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import SubjectResult
from evaluations.synthetic import seed_round
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import build_closed_round

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_benchmark_times_identification_against_the_raw_query_and_checks_the_targets() -> None:
    large = seed_round(cadres=120, seed=1, units=6)
    small = seed_round(cadres=12, seed=1, units=1)
    out = io.StringIO()
    call_command(
        "bench_identification", "--rounds", str(large.round.pk), str(small.round.pk), "--repeat", "2",
        "--json", "--allow-production", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    figures = json.loads(out.getvalue())
    assert [r["cadres"] for r in figures["rounds"]] == [120, 12]
    assert all(r["raw"] > 0 and r["identification"] > 0 for r in figures["rounds"])
    assert set(figures["targets"]) == {"ratio", "rss_mb", "scaling"}
    assert figures["rss_peak_mb"] >= figures["rss_before_mb"] > 0
    assert figures["machine"]["nproc"]
    # The rounds end identified (frozen) as any other.
    assert SubjectResult.objects.filter(round=large.round).count() == 120


def test_the_benchmark_prints_a_markdown_table_for_docs_benchmarks() -> None:
    large = seed_round(cadres=40, seed=2, units=2)
    small = seed_round(cadres=8, seed=2, units=1)
    out = io.StringIO()
    call_command(
        "bench_identification", "--rounds", str(large.round.pk), str(small.round.pk), "--repeat", "1",
        "--allow-production", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    text = out.getvalue()
    assert "| cadres | peer ratings | score rows | raw GROUP BY | identification |" in text
    assert "Peak RSS ≤ 300 MB" in text


def test_the_benchmark_never_touches_a_round_that_is_not_synthetic(org: Org, personas: Personas) -> None:
    real = build_closed_round(org, personas)
    small = seed_round(cadres=8, seed=3, units=1)
    with pytest.raises(CommandError, match="not a synthetic round"):
        call_command(
            "bench_identification", "--rounds", str(real.round.pk), str(small.round.pk), "--allow-production",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    assert not SubjectResult.objects.exists()


def test_the_benchmark_refuses_to_run_outside_debug_mode_without_being_told() -> None:
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("bench_identification", stdout=io.StringIO(), stderr=io.StringIO())
