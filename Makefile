# kefu: `make run` serves kefu with a demo shop; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
KEFU_DATA_DIR ?= $(CURDIR)/var/data
export KEFU_DATA_DIR
DEMO_PASSWORD ?= kefu-demo

.PHONY: run test install install-test lint format messages bench clean-data

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "kefu needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@scripts/ensure-chromium
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.test-installed

run: install
	@KEFU_ADMIN_PASSWORD=$(DEMO_PASSWORD) $(BIN)/kefu init
	@$(BIN)/kefu demo --password $(DEMO_PASSWORD)
	@echo ""
	@echo "  kefu: http://$${KEFU_BIND:-127.0.0.1:8000}/"
	@echo "  demo logins (password: $(DEMO_PASSWORD)): admin, lead, agent (中文), agent2 (한국어), agent3 (English), finance, warehouse"
	@echo ""
	@exec $(BIN)/kefu serve

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check-translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-test
	cd src/kefu && ../../$(BIN)/kefu manage makemessages -l zh_Hans -l ko --no-obsolete --ignore 'web/static/*'
	$(BIN)/python scripts/compile-translations

bench: install-test
	$(BIN)/python tests/bench/run.py $(BENCH_ARGS)
