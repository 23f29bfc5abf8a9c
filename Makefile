# Stockroom: `make run` serves the API on SQLite with nothing else installed; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format migrate worker beat bench bench-smoke postman postman-test clean

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

run: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo --if-empty
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

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
