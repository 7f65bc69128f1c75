# Khata: `make run` serves the demo agency on http://127.0.0.1:8000; `make test` runs everything.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PY ?= python3
UV := $(PY) -m uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/khata
export UV_PYTHON_DOWNLOADS := never

.PHONY: help setup run demo test lint typecheck test-sqlite test-postgres test-browser bench messages system-deps postgres

help:
	@echo "make run    set up and serve Khata with the demo agency on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite (SQLite, PostgreSQL, browser)"
	@echo "make bench  build a large data set and print page timings"

# uv, then the locked dependencies into .venv, then the translations.
setup:
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --quiet uv || $(PY) -m pip install --quiet --user uv
	@$(UV) sync --locked --quiet
	@$(BIN)/pybabel compile --domain django --directory locale --statistics 2>&1 | grep -v '^compiling' || true

# The worker (emails, reminders) and the scheduler run in the background beside the web server and
# stop with it.
run: setup
	@$(BIN)/khata migrate --verbosity 0
	@$(BIN)/khata demo --if-empty
	@$(BIN)/khata worker --verbosity 0 & worker=$$!; \
	$(BIN)/khata scheduler --verbosity 0 & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null || true' EXIT INT TERM; \
	$(BIN)/khata serve $(HOST):$(PORT)

demo: setup
	@$(BIN)/khata migrate --verbosity 0
	@$(BIN)/khata demo --if-empty

system-deps:
	@bash scripts/system-deps.sh

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n1) main start && sleep 2; } || true
	@pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy khata tests conftest.py

test-sqlite: setup system-deps
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -q --durations=25

test-postgres: setup postgres
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q --durations=25 -m "not browser"

# The SQLite and PostgreSQL suites run side by side (one core each); each one's output is printed
# whole when it ends.
test: setup system-deps lint typecheck
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

bench: setup postgres
	$(BIN)/python bench/run.py $(BENCH_ARGS)

messages: setup
	$(BIN)/python manage.py makemessages --all --no-location --ignore '.venv/*' --ignore 'var/*'
