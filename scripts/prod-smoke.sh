#!/usr/bin/env bash
# `make prod-smoke`: the production setup of docs/DEPLOY.md on this machine, end to end, then torn down.
#
# gunicorn (2 workers, deploy/gunicorn.conf.py) and one Celery worker on both queues, with DJANGO_DEBUG=0 and
# production variables, against a fresh PostgreSQL database (lyingflat_smoke, created and dropped) and Redis
# database 10. It migrates, collects static files, seeds the demo, runs an evaluation round (seed_round,
# identify), fetches pages and a static file over HTTP, has the worker render a PDF and checks it over HTTP,
# verifies the audit chain, and stops everything on exit (a trap; no process is left behind).
#
# Differences from a real deployment, on purpose: no TLS proxy in front, so DJANGO_SECURE_SSL_REDIRECT=0;
# DJANGO_REQUIRE_2FA=0 so that curl can log in with a password (the demo accounts have no second factor).
# PostgreSQL or Redis unreachable: skipped with the reason (exit 0), except under CI=true (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
SMOKE_DB=lyingflat_smoke
REDIS_URL=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/10}

# shellcheck source=scripts/production-env.sh
. scripts/production-env.sh

say() { echo "prod-smoke: $*"; }
fail() { echo "prod-smoke: FAILED: $*" >&2; exit 1; }

reachable() { "$BIN/python" -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)" "$1" "$2" 2>/dev/null; }
redis_host_port=${REDIS_URL#redis://}; redis_host_port=${redis_host_port%%/*}
for service in "PostgreSQL $PG_HOST $PG_PORT" "Redis ${redis_host_port%:*} ${redis_host_port#*:}"; do
  set -- $service
  if ! reachable "$2" "$3"; then
    if [ "${CI:-}" = "true" ]; then fail "$1 is not reachable on $2:$3, and CI must run the production smoke test"; fi
    say "SKIPPED: $1 is not reachable on $2:$3"
    exit 0
  fi
done

VAR_DIR=$(mktemp -d /tmp/lyingflat-smoke.XXXXXX)
PORT=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
BASE=http://127.0.0.1:$PORT
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$SMOKE_DB" 2>/dev/null || true
  "$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL" 2>/dev/null || true
  if [ $status -ne 0 ]; then
    for log in "$VAR_DIR"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 40 "$log"; }; done
  fi
  rm -rf "$VAR_DIR"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Production: no .env default, a real secret, the servers, the variables of deploy/production.env.example.
production_env "$VAR_DIR" "$SMOKE_DB"
export DJANGO_REQUIRE_2FA=0
export CELERY_BROKER_URL=$REDIS_URL
unset CELERY_TASK_ALWAYS_EAGER DJANGO_STATIC_MANIFEST
manage() { "$BIN/python" manage.py "$@"; }

say "fresh database $SMOKE_DB, Redis $REDIS_URL, files in $VAR_DIR"
dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$SMOKE_DB"
createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$SMOKE_DB"
"$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL"
manage check --deploy --fail-level ERROR
manage migrate --no-input -v0
manage collectstatic --no-input -v0
manage seed_demo --allow-production

say "starting gunicorn (2 workers) on $BASE and a Celery worker on both queues"
# setsid: each in its own process group, so that the trap stops gunicorn's and Celery's children too.
setsid "$BIN/gunicorn" -c deploy/gunicorn.conf.py --workers 2 --bind "127.0.0.1:$PORT" project.wsgi \
  >"$VAR_DIR/gunicorn.log" 2>&1 &
pids+=($!)
setsid "$BIN/celery" -A project worker --queues celery,pdf --concurrency 2 --max-tasks-per-child 20 \
  --hostname "smoke@%h" --loglevel INFO >"$VAR_DIR/celery.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 150); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
[ "$(curl -fsS "$BASE/healthz")" = "ok" ] || fail "/healthz did not answer ok"

say "pages and static files over HTTP"
login_page=$(curl -fsS -D "$VAR_DIR/login.headers" "$BASE/accounts/login/") || fail "the login page"
grep -q 'name="csrfmiddlewaretoken"' <<<"$login_page" || fail "the login page has no login form"
status=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/")
[ "$status" = "302" ] || fail "/ answered $status to an anonymous visitor, not a redirect to the login page"
css=$(grep -o '/static/[^"]*\.css' <<<"$login_page" | head -n 1)
[ -n "$css" ] || fail "the login page links no stylesheet"
grep -Eq '\.[0-9a-f]{12}\.css$' <<<"$css" || fail "the stylesheet $css has no hashed name: collectstatic's manifest is not used"
size=$(curl -fsS -o /dev/null -D "$VAR_DIR/css.headers" -w '%{size_download}' "$BASE$css") || fail "the static file $css"
[ "$size" -gt 1000 ] || fail "the static file $css is $size bytes"
grep -qi '^content-type: text/css' "$VAR_DIR/css.headers" || fail "$css is not served as text/css"

say "an evaluation round end to end (seed_round, identify)"
round_id=$(manage seed_round --cadres 120 --seed 7 --json | "$BIN/python" -c "import json, sys; print(json.load(sys.stdin)['round_id'])")
candidates=$(manage identify "$round_id" --json | "$BIN/python" -c "import json, sys; d = json.load(sys.stdin); print(d['candidate_count'])")
say "round $round_id identified: $candidates candidates"
[ "$candidates" -ge 1 ] || fail "the synthetic round identified no candidate"

say "a PDF rendered by the worker"
# Requested as the demo organization department (zuzhi) through the service, as its page would.
document=$(manage shell --no-imports -c '
import time
from project.documents.models import Document, DocumentStatus
from project.documents.services import document_request
from project.org.models import Unit, User
user = User.objects.get(username="zuzhi")
doc = document_request(actor=user, kind="demo", obj=Unit.objects.order_by("pk").first(), title="生产环境冒烟测试")
deadline = time.monotonic() + 120
while doc.status == DocumentStatus.PENDING and time.monotonic() < deadline:
    time.sleep(0.2)
    doc.refresh_from_db()
print(doc.pk, doc.status, doc.verification_code, doc.sha256)
')
read -r doc_id doc_status doc_code doc_sha <<<"$document"
[ "$doc_status" = "rendered" ] || fail "document $doc_id is $doc_status, not rendered"
grep -q "render_document\[.*\] succeeded" "$VAR_DIR/celery.log" || fail "the worker's log shows no rendering"

say "log in over HTTP and check the PDF"
cookie() { grep -i "^set-cookie: $1=" "$2" | head -n 1 | sed -E "s/^[^=]*=([^;]*).*/\1/I" | tr -d '\r'; }
csrf_cookie=$(cookie csrftoken "$VAR_DIR/login.headers")
csrf_field=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' <<<"$login_page" | head -n 1 | sed 's/.*value="//; s/"$//')
# The cookies are Secure (production); over this plain loopback connection curl would not send them back
# from a jar, so they go in the Cookie header.
status=$(curl -s -o /dev/null -D "$VAR_DIR/session.headers" -w '%{http_code}' \
  -H "Cookie: csrftoken=$csrf_cookie" --data-urlencode "csrfmiddlewaretoken=$csrf_field" \
  --data-urlencode "username=zuzhi" --data-urlencode "password=zuzhi-demo-2024" "$BASE/accounts/login/")
[ "$status" = "302" ] || fail "logging in as zuzhi answered $status"
session=$(cookie sessionid "$VAR_DIR/session.headers")
[ -n "$session" ] || fail "no session after logging in"
auth=(-H "Cookie: sessionid=$session")
# Read whole, then searched: `curl | grep -q` fails under pipefail when grep stops reading early (SIGPIPE).
home=$(curl -fsS "${auth[@]}" "$BASE/") || fail "the home page did not load"
grep -q "王立新" <<<"$home" || fail "the home page does not greet zuzhi"
verification=$(curl -fsS "${auth[@]}" "$BASE/verify/$doc_code/") || fail "the verification page did not load"
grep -q 'data-integrity="matches"' <<<"$verification" || fail "the verification page does not say the stored PDF matches"
curl -fsS "${auth[@]}" -o "$VAR_DIR/document.pdf" "$BASE/documents/$doc_id/download/" || fail "downloading the PDF"
[ "$(head -c 5 "$VAR_DIR/document.pdf")" = "%PDF-" ] || fail "the download is not a PDF"
[ "$(sha256sum "$VAR_DIR/document.pdf" | cut -d' ' -f1)" = "$doc_sha" ] || fail "the download's SHA-256 is not the recorded one"

manage verify_audit
say "OK: gunicorn, the worker, PostgreSQL and Redis work together in production mode"
