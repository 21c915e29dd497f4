# NEM: `make run` starts everything on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VAR := var
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench faults mutants lint clean venv dev-venv

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev

$(VAR)/secret_key:
	mkdir -p $(VAR)
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

## run: the service on http://127.0.0.1:8000 with SQLite, a local cache, an embedded Celery broker,
## a worker and beat, demo cameras and data; prints the admin login and an API key.
run: $(VENV)/.runtime $(VAR)/secret_key
	DEBUG=true SECRET_KEY_FILE=$(VAR)/secret_key bash scripts/run-local.sh

## test: the whole suite (SQLite + local cache unless DATABASE_URL / REDIS_URL are set).
test: $(VENV)/.dev
	$(PY) -m pytest $(PYTEST_ARGS)

## bench: every benchmark, one Markdown report in reports/bench.md.
bench: $(VENV)/.dev
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)) || true
	$(PY) -m bench.run

## faults: long fault scenarios (PostgreSQL restart, worker killed mid-recompute, duplicate anomaly
## scans) on a private PostgreSQL cluster and Redis; logs in reports/faults/.
faults: $(VENV)/.dev
	PY=$(PY) bash scripts/faults.sh

## mutants: each known fault (a time window off its setting, a list-cache invalidation removed)
## applied to a clone of HEAD must fail at least one of its tests.
mutants: $(VENV)/.dev
	$(PY) scripts/mutants.py

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VAR) reports
