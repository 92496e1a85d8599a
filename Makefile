# The two commands of the README:
#   make run    set up, then run the portal on embedded defaults with the demo tenants
#   make test   set up, then lint and run the test suite (SQLite, then PostgreSQL + Redis)
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed
	$(BIN)/portal i18n compile

run: setup
	$(BIN)/portal run

test: setup
	bash scripts/test

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/tenant_page.py

clean:
	rm -rf $(VENV) var
