# Everything a fresh machine with Python 3.11+ needs; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Development server: debug on, SQLite unless DATABASE_URL says otherwise.
RUN_ENV := DJANGO_DEBUG=true
# The development server's port: make run PORT=8001.
PORT ?= 8000

.PHONY: install serve run test test-system lint format migrations-check schema schema-check schema-release ci clean bench-install bench bench-smoke bench-profile bench-abuse bench-tracing bench-soak

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

# --- Benchmarks (benchmarks/, README "Performance") ---------------------------
# make bench and bench-smoke run SQLite, then PostgreSQL (BENCH_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/graphql_api_bench: DROPPED and created afresh;
# skipped with a message when unreachable), each on data shapes A and B.
# Extra arguments for python -m benchmarks, e.g. BENCH_ARGS="--sqlite-only --rounds 5".
BENCH_ARGS ?=
# The profiled case of bench-profile.
CASE ?= graphql-nested
# wrk, the load generator, is a Debian package, not a PyPI one.
WRK_CHECK = @command -v wrk >/dev/null || { \
	echo "make bench needs wrk, the load generator: apt-get install -y wrk"; exit 1; }

$(BIN)/.bench-installed: $(BIN)/.installed requirements-bench.txt
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $@

bench-install: $(BIN)/.bench-installed

bench: bench-install
	$(WRK_CHECK)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-smoke: bench-install
	$(WRK_CHECK)
	$(BIN)/python -m benchmarks --smoke $(BENCH_ARGS)

bench-profile: bench-install
	$(BIN)/python -m benchmarks --in-process --profile $(CASE) $(BENCH_ARGS)

# What tracing costs (benchmarks/tracing.py; README "Observability", "Traces"): the
# flat and nested pages on three servers (the code before tracing, tracing off,
# tracing on exporting to a local OTLP receiver), interleaved; about 4 minutes.
# BENCH_DATABASE_URL (PostgreSQL, name containing "bench", DROPPED) is best: the SQL
# spans come from psycopg. TRACING_ARGS=--smoke: seconds.
TRACING_ARGS ?=
bench-tracing: bench-install
	$(WRK_CHECK)
	$(BIN)/python -m benchmarks.tracing $(TRACING_ARGS)

# Every attack of issue 10 against the production start (gunicorn, config/gunicorn.py,
# debug off); about 2 minutes. Needs BENCH_REDIS_URL (that Redis database is FLUSHED)
# and preferably BENCH_DATABASE_URL (PostgreSQL, name containing "bench", DROPPED);
# README "Performance", "Abuse run". E.g. ABUSE_ARGS=--smoke.
ABUSE_ARGS ?=
bench-abuse: install
	$(BIN)/python -m benchmarks.abuse $(ABUSE_ARGS)

# 64 clients against 4 gunicorn workers (production start) for 2 minutes, mixed reads
# and writes: errors (0), p50/p99, each worker's RSS at the start and the end.
# Needs BENCH_DATABASE_URL (PostgreSQL, name containing "bench", DROPPED) and
# BENCH_REDIS_URL (FLUSHED); README "Performance", "Soak". E.g. SOAK_ARGS=--smoke (~20 s).
SOAK_ARGS ?=
bench-soak: bench-install
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# PYTEST_ARGS narrows a run, e.g. make test PYTEST_ARGS='-m "not live"' (no live servers).
# The production start: gunicorn (config/gunicorn.py), migrations and static files
# first. Reads its settings from the environment (README, "Deployment"); refuses
# to start with debug on, a weak secret or no allowed hosts.
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn --config config/gunicorn.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# tests/system (marker `system`, skipped by `make test`): two instances, load, a
# PostgreSQL restart and a Redis stop under load, fuzzing; about 2 minutes. Needs
# DATABASE_URL (PostgreSQL) and REDIS_URL; the fault tests start their own
# PostgreSQL (initdb) and redis-server on ports 18800-18899 (SYSTEM_SERVER_PORTS).
test-system: install
	$(BIN)/python -m pytest -m system $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(RUN_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# Rewrites schema.graphql (the SDL in review) from the code; tests/schema/test_schema_file.py
# fails until it is run after an API change.
schema: install
	$(RUN_ENV) $(BIN)/python manage.py graphql_schema --schema schema.schema --out schema.graphql
	printf '\n' >> schema.graphql

# The breaking-change gate (README, "Versioning"): schema.graphql against the last released
# schema, docs/schema/released.graphql; fails on a breaking change CHANGELOG.md does not list.
schema-check: install
	$(BIN)/python -P schema/compatibility.py

# Cutting a release, e.g. make schema-release VERSION=0.2.0: schema.graphql becomes the
# released schema. Rename CHANGELOG.md's "## Unreleased" to the same version.
schema-release:
	@echo '$(VERSION)' | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+' \
		|| { echo "usage: make schema-release VERSION=x.y.z"; exit 1; }
	@{ printf '# Release %s of the API schema. Written by `make schema-release`; %s\n\n' \
		'$(VERSION)' '`make schema-check` compares schema.graphql with it.'; \
		cat schema.graphql; } > docs/schema/released.graphql
	@echo "docs/schema/released.graphql is release $(VERSION) now"

ci:
	.ci/run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
