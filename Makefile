# Stockroom: `make run` serves the API on SQLite with nothing else installed; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run serve test lint format migrate worker beat bench bench-smoke postman postman-test clean

$(STAMP): requirements.txt requirements-dev.txt
	@echo "Installing Python packages into $(VENV) (a minute or two the first time, then only when requirements change)..."
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

run: install
	@echo "Applying migrations to db.sqlite3..."
	DEBUG=true $(PY) manage.py migrate --noinput
	@echo "Seeding the demo organization (the first time only)..."
	DEBUG=true $(PY) manage.py seed_demo --if-empty
	@echo "Serving on http://127.0.0.1:8000/api/docs/ (Ctrl-C stops)"
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

# Production-like: DEBUG off, a real SECRET_KEY (from the environment or .env), static files collected and served by
# WhiteNoise, Granian (WSGI, 2 workers x 4 threads, the server the benchmarks chose) on SERVE_HOST:SERVE_PORT.
# Uses DATABASE_URL (SQLite by default).
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 8000
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	@echo "Serving on http://$(SERVE_HOST):$(SERVE_PORT)/api/docs/ (Ctrl-C stops)"
	$(VENV)/bin/granian --interface wsgi config.wsgi:application --host $(SERVE_HOST) --port $(SERVE_PORT) \
		--workers 2 --blocking-threads 4

# One pytest worker per CPU (pytest-xdist; each gets its own test database): TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=info

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=info

# Benchmarks at scale on local PostgreSQL (postgres@127.0.0.1:5432; BENCH_DATABASE_BASE to change): see bench/README.md.
# bench/run.py runs every step with DJANGO_SETTINGS_MODULE=bench.settings, the only settings that install `bench`.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# The same steps at small scale (a couple of minutes): CI runs it through bench/smoke.sh; it reports, never fails on time.
bench-smoke: install
	bash bench/smoke.sh

# The Postman collection in docs/postman/, built from docs/postman/workflow.yaml and the schema's examples.
postman: install
	STOCKROOM_ALLOW_DEV_KEY=true $(PY) manage.py postman

# newman runs that collection against gunicorn on a fresh PostgreSQL database with the demo data (POSTMAN_PORT, 8101).
postman-test: install
	bash docs/postman/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
