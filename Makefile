# The two set-up commands are `make run` and `make test`; both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Tests run on the real stack: PostgreSQL (and Redis where tasks are tested).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/gmg
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test lint audit browser backup restore clean \
	bench bench-machine bench-overlaps bench-digests bench-import bench-load bench-profiles

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

# make bench: the whole benchmark suite on PostgreSQL and Redis, then the generated parts of
# BENCHMARKS.md (between <!-- bench:PART --> markers) rewritten; the prose is kept. Each
# benchmark has a database of its own under BENCH_PG, created if missing and filled by the
# benchmark (their contents are replaced: never point BENCH_PG at real data). About an hour
# at 100,000 activities on 2 cores, most of it generating data the first time.
# `make bench-load` runs the load test alone (it generates its data when its database is
# empty), `make bench-profiles` the page profiles on the load test's data.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_ACTIVITIES ?= 100000
BENCH_CLIENTS ?= 20,50
BENCH_OUT ?= var/bench
BENCH_LOAD_DB ?= $(BENCH_PG)/gmg_bench_load
BENCH_DIGESTS_DB ?= $(BENCH_PG)/gmg_bench_digests
BENCH_IMPORT_DB ?= $(BENCH_PG)/gmg_bench_import
# Empty: the overlap benchmark's documented default, a fresh SQLite file under /tmp.
BENCH_OVERLAPS_DB ?=
# Extra options for benchmarks/load.py (e.g. --duration 5 --mixed-duration 10 for a quick look).
BENCH_LOAD_ARGS ?=
BENCH_DOC ?= BENCHMARKS.md
OVERLAPS_BENCH_ARGS ?= --activities 10000 --subset 3000 --checks 100
DIGESTS_BENCH_ARGS ?= --activities $(BENCH_ACTIVITIES) --heads 30 --sent
# The import benchmark: skipped (and its part of BENCHMARKS.md left as it was) while absent.
IMPORT_BENCH ?= benchmarks/import_bench.py
IMPORT_BENCH_ARGS ?=
BENCH_TARGETS := bench bench-machine bench-overlaps bench-digests bench-import bench-load \
	bench-profiles
# A benchmark that fails must fail the target, not be hidden by the tee that shows its output.
# What a benchmark prints on stdout goes into BENCHMARKS.md; its logs (stderr) only to the screen.
$(BENCH_TARGETS): SHELL := /bin/bash
$(BENCH_TARGETS): .SHELLFLAGS := -o pipefail -c

# One after the other, whatever -j says: benchmarks running together would time each other.
bench: install
	$(MAKE) bench-machine bench-overlaps bench-digests bench-import bench-load bench-profiles
	$(BIN)/python benchmarks/report.py --dir $(BENCH_OUT) --doc $(BENCH_DOC) machine overlaps digests import
	$(BIN)/python benchmarks/report.py --dir $(BENCH_OUT) --doc $(BENCH_DOC) load profiles

bench-machine: install
	mkdir -p $(BENCH_OUT)
	$(BIN)/python benchmarks/machine.py $(BENCH_PG)/postgres > $(BENCH_OUT)/machine.json

bench-overlaps: install
	mkdir -p $(BENCH_OUT)
	$(if $(BENCH_OVERLAPS_DB),$(BIN)/python benchmarks/benchdb.py $(BENCH_OVERLAPS_DB))
	{ echo '$$ .venv/bin/python benchmarks/overlaps.py $(OVERLAPS_BENCH_ARGS)'; \
	  DATABASE_URL=$(BENCH_OVERLAPS_DB) $(BIN)/python benchmarks/overlaps.py \
	  $(OVERLAPS_BENCH_ARGS); } | tee $(BENCH_OUT)/overlaps.txt

bench-digests: install
	mkdir -p $(BENCH_OUT)
	$(BIN)/python benchmarks/benchdb.py $(BENCH_DIGESTS_DB)
	{ echo '$$ DATABASE_URL=… .venv/bin/python benchmarks/digests.py $(DIGESTS_BENCH_ARGS)'; \
	  DATABASE_URL=$(BENCH_DIGESTS_DB) $(BIN)/python benchmarks/digests.py \
	  $(DIGESTS_BENCH_ARGS); } | tee $(BENCH_OUT)/digests.txt

bench-import: install
	mkdir -p $(BENCH_OUT)
	@if [ ! -f $(IMPORT_BENCH) ]; then echo "$(IMPORT_BENCH) not found: import benchmark skipped"; \
	else \
	  $(BIN)/python benchmarks/benchdb.py $(BENCH_IMPORT_DB) && \
	  { echo '$$ DATABASE_URL=… .venv/bin/python $(IMPORT_BENCH) $(IMPORT_BENCH_ARGS)'; \
	    DATABASE_URL=$(BENCH_IMPORT_DB) $(BIN)/python $(IMPORT_BENCH) $(IMPORT_BENCH_ARGS); } \
	  | tee $(BENCH_OUT)/import.txt; \
	fi

bench-load: install
	mkdir -p $(BENCH_OUT)
	$(BIN)/python benchmarks/load.py --database-url $(BENCH_LOAD_DB) --redis-url $(BENCH_REDIS_URL) \
	  --activities $(BENCH_ACTIVITIES) --clients $(BENCH_CLIENTS) --json $(BENCH_OUT)/load.json \
	  $(BENCH_LOAD_ARGS) 2>&1 | tee $(BENCH_OUT)/load.log
	$(BIN)/python benchmarks/report.py --dir $(BENCH_OUT) --doc $(BENCH_DOC) load

bench-profiles: install
	mkdir -p $(BENCH_OUT)
	$(BIN)/python benchmarks/profile_pages.py --database-url $(BENCH_LOAD_DB) \
	  --redis-url $(BENCH_REDIS_URL) --json $(BENCH_OUT)/profiles.json 2>&1 \
	  | tee $(BENCH_OUT)/profiles.log
	$(BIN)/python benchmarks/report.py --dir $(BENCH_OUT) --doc $(BENCH_DOC) profiles

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
