# The two set-up commands are `make run` and `make test`; both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tests run on the real stack: PostgreSQL (and Redis where tasks are tested).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/gmg
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test lint audit browser backup restore clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r .

# Known vulnerabilities in the installed packages (PyPI's advisory data: needs the network,
# so not part of `make test`). --strict fails when a package could not be checked at all.
audit: install
	$(BIN)/pip-audit --strict --skip-editable

# The browser tests drive Debian's Chromium; Playwright's own browser download cannot work here.
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium' (Debian) and try again."; exit 1; \
	  fi; }

test: install lint browser
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) CHROMIUM=$(CHROMIUM) \
	  $(BIN)/pytest

# The database of DATABASE_URL, dumped with pg_dump -Fc to var/backups/<name>-<UTC time>.dump.
backup: install
	$(BIN)/python manage.py backup_db

# make restore FILE=var/backups/gmg-….dump [FORCE=1]: replaces the database of DATABASE_URL;
# asks for its name as confirmation unless FORCE=1.
restore: install
	@test -n "$(FILE)" || { echo "Say which backup to restore: make restore FILE=var/backups/<file>.dump"; exit 1; }
	$(BIN)/python manage.py restore_db "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
