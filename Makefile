# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := portal:create_app

.PHONY: run notify install migrate seed test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

run: seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Deliver notifications and emails continuously (console output in development).
notify: migrate
	$(BIN)/flask notify run

# The suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: install
	$(BIN)/ruff check portal tests scripts config.py
	$(BIN)/bandit -q -r portal --severity-level medium
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		TEST_DATABASE_URL_ACTIVE="$$TEST_DATABASE_URL" $(BIN)/python -m pytest $(PYTEST_ARGS); \
	else \
		echo "== TEST_DATABASE_URL is not set: the PostgreSQL run was skipped"; \
	fi

lint: install
	$(BIN)/ruff check portal tests scripts config.py

clean:
	rm -rf $(VENV) instance/*.sqlite .pytest_cache
