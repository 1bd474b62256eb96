# The two commands of the README: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=1
PG_URL ?= postgres://postgres@127.0.0.1:5432/lyingflat
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-quick test-e2e lint setup system-deps messages demo clean prod-smoke bench bench-load bench-cases

$(BIN)/.installed: pyproject.toml
	@./scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/.installed .env messages

# A developer's checkout runs manage.py in debug mode (manage.py reads .env; production never has one).
.env:
	@printf '# Written by make: manage.py reads this file; variables already set in the environment win.\nDJANGO_DEBUG=1\n' > $@

system-deps:
	@./scripts/system-deps.sh

messages: $(BIN)/.installed
	@$(DEV_ENV) $(BIN)/python manage.py compilemessages -v0 --ignore='.venv/*' --ignore='var/*'

demo: setup
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v0
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --print-logins
	$(DEV_ENV) $(BIN)/python manage.py seed_demo_round

## Start the web server, a Celery worker and the beat scheduler on http://127.0.0.1:8000 (SQLite, no servers).
run: demo
	PATH="$(CURDIR)/$(BIN):$$PATH" $(DEV_ENV) $(BIN)/honcho -f Procfile.dev start

## The whole suite: lint, type and layer checks, then pytest on SQLite and on PostgreSQL.
test: setup
	./scripts/test.sh

## Without the slow tests (browser, real worker, big data), SQLite only: for quick iterations.
test-quick: setup
	$(BIN)/pytest -m "not slow and not postgres" -q

## The browser journeys only (headless Chromium; PostgreSQL and Redis): screenshots and burden in var/e2e-artifacts/.
E2E_PG_URL ?= postgres://postgres@127.0.0.1:5432/lyingflat_e2e
test-e2e: setup
	DATABASE_URL=$(E2E_PG_URL) $(BIN)/pytest tests/e2e -p no:cacheprovider --create-db

lint: setup
	./scripts/test.sh --lint-only

## Benchmarks (PostgreSQL at 127.0.0.1): figures go to docs/BENCHMARKS.md by hand, with the machine.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/lyingflat_bench
bench: setup
	createdb -h 127.0.0.1 -U postgres lyingflat_bench 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG_URL) $(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_PG_URL) $(DEV_ENV) $(BIN)/python manage.py bench_identification

## Rectification cases: 100,000 cases (list, filters, admin, talk PDF) and 262 circular PDFs by a worker on Redis.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13
bench-cases: setup
	createdb -h 127.0.0.1 -U postgres lyingflat_bench 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG_URL) $(DEV_ENV) $(BIN)/python manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_PG_URL) CELERY_BROKER_URL=$(BENCH_REDIS_URL) $(DEV_ENV) $(BIN)/python manage.py bench_cases

## Production on this machine: gunicorn + Celery + PostgreSQL + Redis, DEBUG off, end to end (docs/DEPLOY.md).
prod-smoke: setup
	./scripts/prod-smoke.sh

## Load benchmark: 100 clients submitting ballots to gunicorn (4 workers) on PostgreSQL (docs/BENCHMARKS.md).
bench-load: setup
	./scripts/bench-load.sh

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
