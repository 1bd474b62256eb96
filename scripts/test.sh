#!/usr/bin/env bash
# The whole test run (`make test`, and so CI): static checks, then the suite on SQLite (the embedded
# default) and again on PostgreSQL, where the row-lock and concurrency tests run. Celery tests start a
# real worker on Redis. Under CI=true a missing PostgreSQL or Redis fails the run instead of skipping.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/lyingflat}
failed=()
step() { echo; echo "==> $1"; }
check() { local name=$1; shift; if ! "$@"; then failed+=("$name"); fi; }

# DJANGO_DEBUG=0 explicitly: manage.py would otherwise take DJANGO_DEBUG=1 from a developer's .env.
prod_env=(env DJANGO_DEBUG=0 DJANGO_SECRET_KEY="check-deploy-$(printf '%064d' 0)" DJANGO_ALLOWED_HOSTS=rectification.example.gov.cn)

step "deprecated django-fsm must not be installed"
check no-django-fsm $BIN/python -c '
import importlib.metadata as m, sys
try:
    m.version("django-fsm")
except m.PackageNotFoundError:
    sys.exit(0)
print("the deprecated django-fsm package is installed beside django-fsm-2: pip uninstall django-fsm, then reinstall django-fsm-2"); sys.exit(1)'
step "ruff";            check ruff $BIN/ruff check .
step "mypy";            check mypy env DJANGO_DEBUG=1 $BIN/mypy project evaluations cases
step "import-linter";   check import-linter $BIN/lint-imports
step "migrations";      check makemigrations "${prod_env[@]}" $BIN/python manage.py makemigrations --check --dry-run
step "check --deploy";  check check-deploy "${prod_env[@]}" $BIN/python manage.py check --deploy --fail-level WARNING

if [ "${1:-}" = "--lint-only" ]; then
  [ ${#failed[@]} -eq 0 ] || { echo "FAILED: ${failed[*]}"; exit 1; }
  exit 0
fi

# The two passes run side by side (one per core): each is mostly one Python process, and together they
# take the time of the longer one instead of the sum. They share nothing: each has its own Redis database
# (the worker fixtures empty theirs) and its own var directory; the SQLite pass's output is printed after
# the PostgreSQL pass's, whole.
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $BIN/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; }
sqlite_log=$(mktemp)
mkdir -p var/test-sqlite var/test-postgres
step "pytest on SQLite (in the background; its output follows the PostgreSQL pass)"
env TEST_REDIS_URL=redis://127.0.0.1:6379/14 DJANGO_VAR_DIR="$PWD/var/test-sqlite" \
  $BIN/pytest -m "not postgres" -p no:cacheprovider >"$sqlite_log" 2>&1 &
sqlite_pid=$!
trap 'kill "$sqlite_pid" 2>/dev/null' EXIT  # an interrupted run leaves no pass behind

step "pytest on PostgreSQL"
if pg_up; then
  check pytest-postgres env DATABASE_URL="$PG_URL" TEST_REDIS_URL=redis://127.0.0.1:6379/15 \
    DJANGO_VAR_DIR="$PWD/var/test-postgres" $BIN/pytest -p no:cacheprovider --create-db
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432, and CI must run the PostgreSQL pass."
  failed+=(postgres-unreachable)
else
  echo "SKIPPED: PostgreSQL is not reachable on 127.0.0.1:5432; the row-lock and concurrency tests did not run."
fi

step "pytest on SQLite: its output"
wait "$sqlite_pid" || failed+=(pytest-sqlite)
cat "$sqlite_log"; rm -f "$sqlite_log"

step "production smoke test (gunicorn, Celery, PostgreSQL, Redis; skipped without them unless CI=true)"
check prod-smoke ./scripts/prod-smoke.sh

echo
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "All checks and both test passes succeeded."
