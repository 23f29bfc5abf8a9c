#!/usr/bin/env bash
# Run the Postman collection with newman against gunicorn on a fresh PostgreSQL database seeded with the demo data.
# `make postman-test` runs it; CI too. Needs PostgreSQL (POSTMAN_DATABASE_ADMIN_URL's server), Node.js 20 and npm.
#   POSTMAN_PORT (8101): where gunicorn listens; POSTMAN_DATABASE (stockroom_postman): dropped and created afresh.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${POSTMAN_PORT:-8101}"
DATABASE="${POSTMAN_DATABASE:-stockroom_postman}"
SERVER="${POSTMAN_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
REPORT="${POSTMAN_REPORT:-/tmp/stockroom-newman-$PORT.json}"
PY=.venv/bin/python

echo "== npm ci (newman from package-lock.json)"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error

echo "== a fresh database '$DATABASE' with the demo data"
psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DATABASE" -c "CREATE DATABASE $DATABASE"
export DATABASE_URL="$SERVER/$DATABASE" STOCKROOM_ALLOW_DEV_KEY=true DEBUG=false
unset REDIS_URL  # tasks in-process, local-memory cache: the run depends on nothing else
$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo >/dev/null

echo "== gunicorn on 127.0.0.1:$PORT"
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 2 \
  --access-logfile /tmp/stockroom-newman-$PORT-access.log --error-logfile /tmp/stockroom-newman-$PORT-error.log &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/health/" >/dev/null && break; sleep 0.2; done

echo "== newman"
npx newman run docs/postman/stockroom.postman_collection.json \
  -e docs/postman/stockroom.postman_environment.json --env-var "baseUrl=http://127.0.0.1:$PORT" \
  --working-dir docs/postman --reporters cli,json --reporter-json-export "$REPORT" \
  --reporter-cli-no-assertions --reporter-cli-no-console

# newman fails on a failed assertion; a 5xx is one (the collection's "no server error" test). Say it again in figures.
node -e '
  const run = require(process.argv[1]).run;
  const codes = run.executions.map((e) => e.response && e.response.code);
  const errors = codes.filter((code) => code >= 500).length;
  console.log(`${run.stats.requests.total} requests, ${run.stats.assertions.total} assertions, ` +
    `${run.stats.assertions.failed} failed, ${errors} server errors`);
  process.exit(run.stats.assertions.failed || errors ? 1 : 0);
' "$REPORT"
