#!/usr/bin/env bash
# Benchmark smoke run (small scale, a couple of minutes): every step of `make bench` on 50,000 movements, in its own
# database `stockroom_bench_smoke` on the PostgreSQL server that DATABASE_URL names (local postgres by default).
# It reports figures and never fails on time: the exit status is non-zero only when a step cannot run.
# bench/run.py runs every step with DJANGO_SETTINGS_MODULE=bench.settings (the only settings that install `bench`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${DATABASE_URL:-}" && "${DATABASE_URL}" == postgres* ]]; then
  export BENCH_DATABASE_BASE="${DATABASE_URL%/*}"
fi
unset REDIS_URL  # the bench runs its servers without a broker; cache: see bench/settings.py

exec .venv/bin/python bench/run.py --small "$@"
