# newsworker: one command runs the service, one runs the tests.
#   make run    install, start Redis + Elasticsearch, run worker + beat + API + demo replay feeds
#   make test   install, start services, run the whole suite against them
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
NW := $(VENV)/bin/newsworker
PYTEST_ARGS ?=

.PHONY: screenshots install services services-down run stop status test test-unit test-integration test-firstrun chaos bench eval train lint browser-deps clean install-service

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

services:
	scripts/services.sh up

services-down:
	scripts/services.sh down

# the README's pictures of the pages, taken by the browser tests
screenshots: install services browser-deps
	NEWSWORKER_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/browser

browser-deps:
	scripts/install-browser.sh

run: install services
	$(NW) run --demo

# systemd units for worker, beat, API, Redis and Elasticsearch (README: Background service);
# SERVICE_ARGS=--dry-run prints them, SERVICE_ARGS="--output-dir DIR --no-provision" writes them elsewhere
SERVICE_ARGS ?=
install-service: install
	$(NW) install-service $(SERVICE_ARGS)

stop:
	-$(NW) stop
	scripts/services.sh down

status: install
	$(NW) status

test: install services browser-deps
	$(PY) -m pytest -q -ra -p no:cacheprovider $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest -q tests/unit $(PYTEST_ARGS)

test-integration: install services
	$(PY) -m pytest -q -m integration $(PYTEST_ARGS)

# also starts a real Elasticsearch node from a private (0700) folder on private ports (1-3 min)
test-firstrun: install services
	NEWSWORKER_FIRSTRUN_ES=1 $(PY) -m pytest -q tests/integration/test_firstrun_services.py tests/integration/test_firstrun_run.py $(PYTEST_ARGS)

chaos: install services
	$(PY) -m pytest -q -s -m chaos tests/chaos $(PYTEST_ARGS)

bench: install services
	$(PY) bench/run_all.py

# cross-validated extraction figures on data/extraction (by whole article), then gold-dev if ../shared has it
eval: install
	$(NW) eval --out data/extraction/EVAL.md

# refit the shipped weekday, event, casualty and entity models on all of data/extraction (~1.5 h)
train: install
	$(NW) train all --jobs 2

lint: install
	$(VENV)/bin/ruff check worker tests bench scripts

clean:
	rm -rf $(VENV) .pytest_cache
