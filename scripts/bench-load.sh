#!/usr/bin/env bash
# `make bench-load`: load benchmark of ballot submission (a benchmark, not a test; figures go to
# docs/BENCHMARKS.md, "Load: ballot submission", by hand, with the machine).
#
# gunicorn (deploy/gunicorn.conf.py as production runs it: sync workers, 2 × cores + 1 of them unless
# GUNICORN_WORKERS says otherwise) in production mode on a fresh PostgreSQL database (BENCH_DB, default
# lyingflat_bench_load, dropped afterwards); an open round with BENCH_CADRES (default 8000) unused tokens
# (at ~180 submissions a second, 3,000 ran out before the 30 s were up);
# then locust (FastHttpUser), in a second process on loopback: 100 clients submitting ballots for 30 s (each
# token once), and 100 clients on /healthz for 30 s, the same way, both without pause (saturation); then 100
# clients submitting ballots at a fixed offered load (BENCH_PACED_RATE submissions a second in all, default 60,
# about half of what this 2-core machine sustains) for the latency below saturation. Reports the throughput
# ratio, p99 latencies, and lost or doubled sheets.
# Sheets are counted in the database against the POSTs answered "stored" (none may be missing) and against the
# tokens spent (none may be doubled); POSTs still in flight when locust stops at the time limit are stored but
# unanswered, and are reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
DB=${BENCH_DB:-lyingflat_bench_load}
USERS=${BENCH_USERS:-100}
DURATION=${BENCH_DURATION:-30s}
# Kept between runs so that collectstatic only copies what changed.
VAR_DIR=${BENCH_VAR_DIR:-/tmp/lyingflat-bench-load}
OUT=$(mktemp -d /tmp/lyingflat-bench-load-out.XXXXXX)
# shellcheck source=scripts/production-env.sh
. scripts/production-env.sh

if ! "$BIN/python" -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)" "$PG_HOST" "$PG_PORT" 2>/dev/null; then
  echo "bench-load: PostgreSQL is not reachable on $PG_HOST:$PG_PORT; the benchmark needs it." >&2
  exit 1
fi

pid=""
cleanup() {
  local status=$?
  if [ -n "$pid" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$DB" 2>/dev/null || true
  [ $status -ne 0 ] && [ -f "$OUT/gunicorn.log" ] && tail -n 30 "$OUT/gunicorn.log"
  echo "bench-load: locust's CSV files are in $OUT"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

production_env "$VAR_DIR" "$DB"
export CELERY_TASK_ALWAYS_EAGER=0
export GUNICORN_ACCESSLOG=/dev/null  # 100 clients' access log would measure the disk
manage() { "$BIN/python" manage.py "$@"; }

dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$DB"
createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB"
manage migrate --no-input -v0
manage collectstatic --no-input -v0
"$BIN/python" scripts/bench_load/setup_round.py --cadres "${BENCH_CADRES:-8000}" --out "$OUT/tokens.json"
round_id=$("$BIN/python" -c "import json, sys; print(json.load(open(sys.argv[1]))['round_id'])" "$OUT/tokens.json")
# The paced run gets tokens of its own (each client process reads its file afresh): its load for its duration
# and a fifth more; the saturated run the rest.
PACED_RATE=${BENCH_PACED_RATE:-60}
"$BIN/python" scripts/bench_load/split_tokens.py "$OUT/tokens.json" "$PACED_RATE" "$DURATION" \
  "$OUT/saturated-tokens.json" "$OUT/paced-tokens.json"
tokens=$("$BIN/python" -c "import json, sys; print(len(json.load(open(sys.argv[1]))['tokens']))" "$OUT/saturated-tokens.json")
[ "$tokens" -ge 1000 ] || { echo "bench-load: only $tokens tokens; the benchmark needs at least 1000" >&2; exit 1; }
# Only the tables the setup filled, as autovacuum would have by then. Not the empty peer tables: vacuumed or
# analyzed empty, their statistics say "empty" for good on this machine (autovacuum = off), and each server
# process then plans its foreign-key checks on them as sequential scans, kept for the connection's lifetime.
filled=$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$DB" -Atc "SELECT string_agg(format('%I', relname), ', ') FROM pg_stat_user_tables WHERE n_live_tup > 0")
psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$DB" -qc "VACUUM ANALYZE $filled"

PORT=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
setsid "$BIN/gunicorn" -c deploy/gunicorn.conf.py --bind "127.0.0.1:$PORT" project.wsgi >"$OUT/gunicorn.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

run() {  # run NAME USER_CLASS SPAWN_RATE [ENV...]
  local name=$1 class=$2 spawn=$3; shift 3
  env "$@" "$BIN/locust" -f scripts/bench_load/locustfile.py --headless --users "$USERS" --spawn-rate "$spawn" \
    -t "$DURATION" --host "http://127.0.0.1:$PORT" --csv "$OUT/$name" --only-summary --loglevel WARNING \
    --exit-code-on-error 0 "$class" >"$OUT/$name.log" 2>&1
}
workers=$("$BIN/python" -c "import runpy; print(runpy.run_path('deploy/gunicorn.conf.py')['workers'])")
echo "bench-load: gunicorn with $workers sync workers; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench-load: $USERS clients submitting ballots for $DURATION ($tokens unused tokens, round $round_id)"
run ballot BallotUser "$USERS" BENCH_TOKENS="$OUT/saturated-tokens.json"
echo "bench-load: $USERS clients on /healthz for $DURATION; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run healthz HealthUser "$USERS"
echo "bench-load: $USERS clients submitting $PACED_RATE ballots a second in all for $DURATION; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Each client starts its first ballot at its own offset (the locustfile), so that the ballots arrive evenly spaced.
run paced PacedBallotUser "$USERS" BENCH_TOKENS="$OUT/paced-tokens.json" BENCH_PACED_RATE="$PACED_RATE" \
  BENCH_PACED_CLIENTS="$USERS"

counts=$(manage shell --no-imports -c "
from evaluations.models import BallotToken, PeerSheet
print(PeerSheet.objects.filter(round_id=$round_id).count(), BallotToken.objects.filter(round_id=$round_id, used=True).count())
")
read -r sheets used <<<"$counts"
echo
echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GB RAM, load average before the runs: see uptime below"
uptime
"$BIN/python" scripts/bench_load/report.py "$OUT" "$sheets" "$used" "$PACED_RATE"
