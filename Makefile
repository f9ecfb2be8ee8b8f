# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := portal:create_app

.PHONY: run notify install migrate seed test lint clean serve bench translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled catalogues, built from the committed .po files (never committed themselves).
CATALOGUES := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
$(COMPILED): %.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ >/dev/null

install: $(STAMP) $(COMPILED)

# After marking new words: gather them (messages.pot), bring every language's
# catalogue up to date, then translate the new entries and run make install.
# A new language: pybabel init -i portal/translations/messages.pot -d portal/translations -l <code>,
# then one line in LANGUAGES (config.py).
translations: $(STAMP)
	$(BIN)/pybabel extract --ignore-dirs '.*' -F babel.cfg -k _l -k lazy_gettext -k N_ -k ngettext:1,2 -k lazy_ngettext:1,2 \
		--sort-by-file --no-wrap --project "Support Circle" -o portal/translations/messages.pot .
	$(BIN)/pybabel -q update -N --no-wrap --ignore-obsolete -i portal/translations/messages.pot -d portal/translations
	$(MAKE) install

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo --if-empty

run: seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Production: gunicorn with portal/serving.py, configured from the environment
# (SECRET_KEY, DATABASE_URL, REDIS_URL, BIND, WEB_CONCURRENCY, ...; see the
# README). Migrate once per release with `flask db upgrade`, not from here:
# several servers may start at once.
serve: install
	SUPPORT_CIRCLE_CONFIG=$${SUPPORT_CIRCLE_CONFIG:-production} $(BIN)/gunicorn -c python:portal.serving

# Deliver notifications and emails continuously (console output in development).
notify: migrate
	$(BIN)/flask notify run

# The suite on SQLite and, when TEST_DATABASE_URL is set, the whole suite again
# on PostgreSQL, the two passes side by side (they share nothing: PostgreSQL
# has its own databases, Redis keys carry a prefix per run, servers take free
# ports). The rendering sweeps (axe, phone widths) run once, in the SQLite
# pass. PostgreSQL's report is printed after SQLite's, from test-artifacts/.
PG_LOG := test-artifacts/postgres-pass.log
test: install
	$(BIN)/ruff check portal tests scripts bench config.py
	$(BIN)/bandit -q -r portal --severity-level medium
	@mkdir -p test-artifacts; rm -f $(PG_LOG); \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL pass ($$TEST_DATABASE_URL) started beside the SQLite pass; its report follows"; \
		( TEST_DATABASE_URL_ACTIVE="$$TEST_DATABASE_URL" $(BIN)/python -m pytest -m "not rendering" $(PYTEST_ARGS) \
			> $(PG_LOG) 2>&1; echo $$? > $(PG_LOG).status ) & \
	else \
		echo "== TEST_DATABASE_URL is not set: the PostgreSQL pass is skipped"; \
	fi; \
	echo "== SQLite pass"; \
	$(BIN)/python -m pytest $(PYTEST_ARGS); sqlite=$$?; \
	wait; pg=0; \
	if [ -f $(PG_LOG).status ]; then \
		echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; cat $(PG_LOG); pg=$$(cat $(PG_LOG).status); \
	fi; \
	echo "== SQLite pass: exit $$sqlite; PostgreSQL pass: exit $$pg"; \
	[ $$sqlite -eq 0 ] && [ $$pg -eq 0 ]

# Request rates and latencies of the busiest pages, SQLite and PostgreSQL, 10 and
# 10,000 circles (bench/run.py), each as a multiple of the floor app's cost (bench/floor.py)
# and of bare Flask's from the same run, with SQL statements and worker memory.
# Quick run: BENCH_CIRCLES=10 BENCH_DATABASES=sqlite BENCH_SECONDS=3 make bench
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "== installing wrk (Debian)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "wrk is missing and could not be installed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check portal tests scripts bench config.py

clean:
	rm -rf $(VENV) instance/*.sqlite .pytest_cache
