"""Summarise the two locust runs of scripts/bench-load.sh and the sheet count (not a test).

    python scripts/bench_load/report.py OUT_DIR SHEETS USED_TOKENS PACED_RATE

Reads OUT_DIR/{ballot,healthz,paced}_stats.csv (locust --csv) and prints the figures for docs/BENCHMARKS.md:
throughput of ballot submissions against /healthz at the same concurrency (saturated), p99 latencies at
saturation and at the paced run's offered load, and lost or doubled sheets (sheets and spent tokens in the
database against the successful POSTs of both ballot runs).
Exits 1 when a sheet is lost or doubled.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def main() -> int:
    out, sheets, used, paced_rate = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    ballot, health, paced = (rows(out / f"{run}_stats.csv") for run in ("ballot", "healthz", "paced"))
    submit, form, hz = ballot["ballot submit"], ballot["ballot form"], health["healthz"]
    paced_submit, paced_form = paced["ballot submit"], paced["ballot form"]
    paced_submitted = int(paced_submit["Request Count"]) - int(paced_submit["Failure Count"])
    saturated_submitted = int(submit["Request Count"]) - int(submit["Failure Count"])
    submitted = saturated_submitted + paced_submitted
    submit_rps, form_rps, hz_rps = float(submit["Requests/s"]), float(form["Requests/s"]), float(hz["Requests/s"])
    ballot_all_rps = float(ballot["Aggregated"]["Requests/s"])
    # Lost: answered as stored but not in the database. Doubled: more sheets than tokens spent. Both must be
    # zero. In flight: stored, but the client was stopped at the time limit before the answer came back.
    lost, doubled, unreported = max(0, submitted - sheets), max(0, sheets - used), max(0, sheets - submitted)
    sent = submit["Request Count"]
    print(f"ballot submissions (POST): {saturated_submitted} stored of {sent} sent, {submit_rps:.1f}/s")
    print(f"ballot form (GET): {form['Request Count']} requests, {form_rps:.1f}/s")
    print(f"ballot requests, GET + POST: {ballot_all_rps:.1f}/s")
    print(f"/healthz: {hz['Request Count']} requests, {hz['Failure Count']} failed, {hz_rps:.1f}/s")
    print(f"ratio, submissions to /healthz: {submit_rps / hz_rps:.2f}x (target >= 0.3x)")
    print(f"ratio, ballot requests (GET + POST) to /healthz: {ballot_all_rps / hz_rps:.2f}x")
    print(f"p99 latency: submit {submit['99%']} ms, form {form['99%']} ms, healthz {hz['99%']} ms (target <= 200 ms)")
    print(f"p50 latency: submit {submit['50%']} ms, form {form['50%']} ms, healthz {hz['50%']} ms")
    print(
        f"paced, {paced_rate:g} submissions/s offered: {float(paced_submit['Requests/s']):.1f}/s achieved,"
        f" {paced_submitted} stored of {paced_submit['Request Count']} sent, {paced_submit['Failure Count']} failed"
    )
    print(
        f"paced p99 latency: submit {paced_submit['99%']} ms, form {paced_form['99%']} ms (target <= 200 ms);"
        f" p50 submit {paced_submit['50%']} ms, form {paced_form['50%']} ms"
    )
    print(f"sheets in the database: {sheets}, tokens spent: {used}, successful submissions (both runs): {submitted}")
    print(f"lost sheets: {lost}, doubled sheets: {doubled}")
    print(f"in flight when locust stopped (stored, answer not awaited): {unreported}")
    return 1 if lost or doubled or used != sheets else 0


if __name__ == "__main__":
    sys.exit(main())
