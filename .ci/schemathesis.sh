#!/usr/bin/env bash
# schemathesis against the served API (gunicorn, PostgreSQL, the demo data), as the demo viewer and then as the demo
# admin: every phase (examples, coverage, fuzzing, stateful) and every check, with the seed and the budgets of
# .ci/schemathesis.toml. Fails on any server error or any failed check. `.ci/run` runs it after newman.
#   SCHEMATHESIS_PORT (8102): where gunicorn listens; SCHEMATHESIS_DATABASE (stockroom_schemathesis): made afresh.
# docs/decisions/0021-schemathesis-in-ci.md says what is configured and why.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SCHEMATHESIS_PORT:-8102}"
DATABASE="${SCHEMATHESIS_DATABASE:-stockroom_schemathesis}"
SERVER="${SCHEMATHESIS_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
REPORTS="${SCHEMATHESIS_REPORTS:-/tmp/stockroom-schemathesis-$PORT}"
BASE="http://127.0.0.1:$PORT"
PY=.venv/bin/python

echo "== a fresh database '$DATABASE' with the demo data"
psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" -c "CREATE DATABASE $DATABASE"
export DATABASE_URL="$SERVER/$DATABASE" STOCKROOM_ALLOW_DEV_KEY=true DEBUG=false LOG_LEVEL=WARNING
# Tokens outlive the run; in-process tasks and a local-memory cache: the run depends on nothing else.
export JWT_ACCESS_MINUTES=60
unset REDIS_URL
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo >/dev/null

echo "== gunicorn on 127.0.0.1:$PORT"
# Afresh: gunicorn appends to its logs, and the count of 5xx below must be this run's alone.
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 2 \
  --access-logfile "$REPORTS/access.log" --error-logfile "$REPORTS/error.log" 2>"$REPORTS/server.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$BASE/api/health/" >/dev/null && break; sleep 0.2; done

token() {
  curl -fsS -X POST "$BASE/api/auth/login/" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"stockroom-demo\"}" \
    | $PY -c 'import json, sys; print(json.load(sys.stdin)["access"])'
}
# Both tokens first: the admin's run may dismiss or demote any user, the viewer included.
VIEWER="$(token demo_viewer)"
ADMIN="$(token demo_admin)"

status=0
for role in viewer admin; do
  if [ "$role" = viewer ]; then access="$VIEWER"; else access="$ADMIN"; fi
  echo "== schemathesis as the demo $role"
  .venv/bin/schemathesis --config-file .ci/schemathesis.toml run "$BASE/api/schema/" --checks all \
    -H "Authorization: Bearer $access" --no-color --report junit --report-dir "$REPORTS/$role" \
    || status=1
done

# A 500 is a failed check above; say it again from the server's side.
errors=$(awk '$9 ~ /^5/' "$REPORTS/access.log" | wc -l)
echo "server errors in the access log: $errors"
[ "$errors" -eq 0 ] || status=1
exit $status
