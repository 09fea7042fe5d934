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

# Front-end packages from npm: axe-core for the browser tests, the dyslexia-friendly font. The
# stamp names the list, so that a change of it installs again.
NPM := $(VENV)/npm/.installed-axe-4.14.1-opendyslexic-5.3.0
$(NPM): | $(BIN)/python
	npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/npm axe-core@4.14.1 @fontsource/opendyslexic@5.3.0
	touch $@

install: $(VENV)/.installed $(NPM)
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
