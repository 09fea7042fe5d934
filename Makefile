# The two commands: `make run` (install, demo académie, serve) and `make check` (lint, all tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ENT    := $(BIN)/ent
PORT   ?= 8000
PEOPLE ?= 2000
PG_URL ?= postgres://postgres@127.0.0.1:5432/ent_ci

.PHONY: install run demo serve fmt lint test test-postgres check messages openapi bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	./scripts/system-packages
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js
$(AXE): | $(BIN)/python
	npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/npm axe-core@4.14.1

install: $(VENV)/.installed $(AXE)
	$(ENT) compilemessages --ignore '.venv' -v0

run: install
	$(ENT) migrate -v0
	$(ENT) demo setup --people $(PEOPLE)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(ENT) runserver --insecure 127.0.0.1:$(PORT)

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install
	$(ENT) export_openapi_schema --api ent.api.api --indent 2 --sorted --output docs/openapi.json

messages: install
	$(ENT) makemessages -l fr --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*'
	$(ENT) compilemessages --ignore '.venv' -v0

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy ent
	$(BIN)/lint-imports
	$(ENT) check --fail-level WARNING
	$(ENT) makemigrations --check --dry-run
	./scripts/check-catalogue

test: install
	$(BIN)/pytest -n 2

test-postgres: install
	./scripts/with-postgres "$(PG_URL)" $(BIN)/pytest -n 2

check: lint test test-postgres

bench: install
	$(BIN)/python bench/aaf_import.py

clean:
	rm -rf $(VENV) var
