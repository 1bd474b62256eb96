"""`manage.py bench_identification [--cadres 20000] [--sheets 10] [--small 2000] [--repeat 3]`: how long
identification takes, against one raw GROUP BY over the same rating rows, and how much memory it needs.

Writes synthetic rounds into the CURRENT database (use a scratch PostgreSQL database: the numbers that matter
are PostgreSQL's, and the rounds stay there). Seeding runs in a child process (`manage.py seed_round`), so
that this process's peak RSS (resource.getrusage ru_maxrss) is identification's, on top of Django itself.

For each size (the large round and one a tenth of it):
- raw: `SELECT subject_id, AVG(value) … GROUP BY subject_id` over the round's peer scores, all rows fetched;
- identification end to end: `round_identify(inline=True)` — the aggregate statements, scoring every cadre,
  writing the frozen results and summary, the audit events. Results are frozen, so between repetitions this
  command (and nothing else) deletes the results of ITS OWN synthetic rounds (scope code SEED…).
Each is the median of `--repeat` runs, interleaved so both see the same machine load. Then, outside the RSS
reading, the phases of one run are timed separately (aggregates, scoring) to show where the time goes.
Targets: identification ≤ 1.5 × raw; peak RSS ≤ 300 MB; 10 × the cadres ≤ 12 × the time.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from evaluations import scoring
from evaluations.aggregates import round_inputs
from evaluations.identification import round_identify, rules_of
from evaluations.models import (
    EvaluationRound,
    IdentificationRun,
    PeerRating,
    PeerScore,
    RoundResultSummary,
    SubjectResult,
)

TARGET_RATIO = 1.5
TARGET_RSS_MB = 300
TARGET_SCALING = 12.0


@dataclass
class Measured:
    cadres: int
    round_id: int
    peer_ratings: int
    score_rows: int
    raw: float
    identification: float
    aggregates: float = 0.0
    scoring: float = 0.0
    seeded_in: float = 0.0

    @property
    def ratio(self) -> float:
        return self.identification / self.raw


def _rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _machine() -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        database = str(cursor.fetchone()[0])
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return {
        "date": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "database": database.split(" on ")[0] if connection.vendor == "postgresql" else f"SQLite {database}",
        "python": platform.python_version(),
        "load": load,
    }


def _median(runs: list[float]) -> float:
    return statistics.median(runs)


class Command(BaseCommand):
    help = "Benchmark identification (20,000 cadres by default) against a raw GROUP BY; write the figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cadres", type=int, default=20_000, help="cadres in the large round")
        parser.add_argument("--sheets", type=int, default=10, help="peer sheets per cadre")
        parser.add_argument("--small", type=int, default=None, help="cadres in the small round (default: a tenth)")
        parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--rounds", type=int, nargs=2, metavar=("LARGE", "SMALL"), help="reuse two rounds seeded earlier"
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON, not Markdown")
        parser.add_argument(
            "--allow-production", action="store_true", help="run with DEBUG off (it writes synthetic rounds)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "bench_identification writes synthetic rounds: run it with DJANGO_DEBUG=1 on a scratch database."
            )
        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1")
        large_cadres = options["cadres"]
        small_cadres = options["small"] or max(2, large_cadres // 10)
        machine = _machine()
        if options["rounds"]:
            large_id, small_id = options["rounds"]
            seeded = {large_id: 0.0, small_id: 0.0}
        else:
            large_id, large_time = self._seed(large_cadres, options["sheets"], options["seed"])
            small_id, small_time = self._seed(small_cadres, options["sheets"], options["seed"])
            seeded = {large_id: large_time, small_id: small_time}
        rounds = [self._round(large_id), self._round(small_id)]
        rss_before = _rss_mb()
        measured = [self._measure(r, options["repeat"], seeded[r.pk]) for r in rounds]
        rss_peak = _rss_mb()  # before the phase breakdown, which keeps extra objects alive
        for item, round in zip(measured, rounds, strict=True):
            self._phases(item, round)
        large, small = measured
        figures = {
            "machine": machine,
            "sheets": options["sheets"],
            "repeat": options["repeat"],
            "rss_before_mb": round_(rss_before),
            "rss_peak_mb": round_(rss_peak),
            "rounds": [item.__dict__ | {"ratio": round_(item.ratio)} for item in measured],
            "scaling": round_(large.identification / small.identification),
            "raw_scaling": round_(large.raw / small.raw),
            "targets": {
                "ratio": {"target": TARGET_RATIO, "value": round_(large.ratio), "met": large.ratio <= TARGET_RATIO},
                "rss_mb": {"target": TARGET_RSS_MB, "value": round_(rss_peak), "met": rss_peak <= TARGET_RSS_MB},
                "scaling": {
                    "target": TARGET_SCALING,
                    "value": round_(large.identification / small.identification),
                    "met": large.identification / small.identification <= TARGET_SCALING,
                },
            },
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(markdown(figures, large, small))

    def _seed(self, cadres: int, sheets: int, seed: int) -> tuple[int, float]:
        self.stderr.write(f"seeding {cadres} cadres with {sheets} peer sheets each …")
        command = [sys.executable, "manage.py", "seed_round", "--cadres", str(cadres), "--sheets", str(sheets)]
        command += ["--seed", str(seed), "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=settings.BASE_DIR, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise CommandError(f"seed_round failed:\n{done.stderr[-2000:]}")
        return int(json.loads(done.stdout)["round_id"]), time.perf_counter() - started

    def _round(self, round_id: int) -> EvaluationRound:
        round = EvaluationRound.objects.select_related("scope", "created_by").filter(pk=round_id).first()
        if round is None or not round.scope.code.startswith("SEED"):
            raise CommandError(f"Round {round_id} is not a synthetic round (seed_round): it will not be touched.")
        return round

    def _forget(self, round: EvaluationRound) -> None:
        # Only here, only for synthetic rounds (checked in _round): frozen results are otherwise never deleted.
        with transaction.atomic():
            SubjectResult.objects.filter(round=round).delete()
            RoundResultSummary.objects.filter(round=round).delete()
            IdentificationRun.objects.filter(round=round).delete()

    def _raw(self, round: EvaluationRound) -> float:
        rating, score = (connection.ops.quote_name(m._meta.db_table) for m in (PeerRating, PeerScore))
        sql = (
            f"SELECT r.subject_id, AVG(s.value) FROM {score} s JOIN {rating} r ON r.id = s.rating_id"  # noqa: S608
            " WHERE r.round_id = %s GROUP BY r.subject_id"
        )
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, [round.pk])
            cursor.fetchall()
        return time.perf_counter() - started

    def _identify(self, round: EvaluationRound) -> float:
        self._forget(round)
        started = time.perf_counter()
        run = round_identify(actor=round.created_by, round=round, inline=True)
        elapsed = time.perf_counter() - started
        if not run.is_done:
            raise CommandError(f"identification of round {round.pk} ended {run.status}: {run.error}")
        return elapsed

    def _measure(self, round: EvaluationRound, repeat: int, seeded_in: float) -> Measured:
        self.stderr.write(f"measuring round {round.pk} …")
        self._raw(round)  # warm the cache: both measurements read the same pages
        raw: list[float] = []
        identification: list[float] = []
        for _ in range(repeat):
            raw.append(self._raw(round))
            identification.append(self._identify(round))
        return Measured(
            cadres=SubjectResult.objects.filter(round=round).count(),
            round_id=round.pk,
            peer_ratings=PeerRating.objects.filter(round=round).count(),
            score_rows=PeerScore.objects.filter(rating__round=round).count(),
            raw=_median(raw),
            identification=_median(identification),
            seeded_in=seeded_in,
        )

    def _phases(self, item: Measured, round: EvaluationRound) -> None:
        item.aggregates, inputs = _timed(lambda: round_inputs(round, today=timezone.localdate()))
        rules = rules_of(round)
        item.scoring, _results = _timed(lambda: [scoring.score_subject(s, rules) for s in inputs.subjects])


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def round_(value: float) -> float:
    return round(value, 3)


def _mark(met: bool) -> str:
    return "met" if met else "**missed**"


def markdown(figures: dict[str, Any], large: Measured, small: Measured) -> str:
    machine = figures["machine"]
    targets = figures["targets"]
    rows = []
    for item in (large, small):
        rows.append(
            f"| {item.cadres:,} | {item.peer_ratings:,} | {item.score_rows:,} | {item.raw:.3f} s"
            f" | {item.identification:.3f} s | {item.ratio:.1f}× | {item.aggregates:.2f} s | {item.scoring:.2f} s |"
        )
    return "\n".join(
        [
            f"Run {machine['date']} on {machine['nproc']} × {machine['cpu']}, {machine['memory']} RAM,"
            f" {machine['database']}, Python {machine['python']}; load average at the start {machine['load']}.",
            f"{figures['sheets']} peer sheets per cadre; medians of {figures['repeat']} runs.",
            "",
            "| cadres | peer ratings | score rows | raw GROUP BY | identification | ratio | aggregates | scoring |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"- Identification ≤ {TARGET_RATIO}× the raw query: {targets['ratio']['value']}×"
            f" — {_mark(targets['ratio']['met'])}.",
            f"- Peak RSS ≤ {TARGET_RSS_MB} MB: {figures['rss_peak_mb']} MB (Django and the app alone:"
            f" {figures['rss_before_mb']} MB) — {_mark(targets['rss_mb']['met'])}.",
            f"- 10× the cadres ≤ {TARGET_SCALING}× the time: {targets['scaling']['value']}× (the raw query:"
            f" {figures['raw_scaling']}×) — {_mark(targets['scaling']['met'])}.",
            f"- Generated {datetime.now():%Y-%m-%d} by `manage.py bench_identification`.",
            "",
        ]
    )
