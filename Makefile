# Two commands for a newcomer: `make dev` (the product on embedded defaults) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Where `make dev` puts tables, sample landing data and the sample ads database (settings.py reads it).
export LAKEHOUSE_ROOT ?= $(CURDIR)/.lakehouse
DAGSTER_PORT ?= 3000
# Sample events for the last six complete UTC hours, so the partitions exist in the UI.
SAMPLE_START ?= $(shell date -u -d '-6 hours' +%Y-%m-%dT%H)
SAMPLE_HOURS ?= 6
SAMPLE_EVENTS_PER_HOUR ?= 5000

.PHONY: dev test install spark-classes check-java require-java sample sample-banner sample-weather bench clean compose-up compose-down constraints

install: $(VENV)/.installed

# The runtime versions are the tested ones (deploy/constraints.txt, `make constraints`), so a new
# release on PyPI cannot change what CI or a newcomer installs.
$(VENV)/.installed: pyproject.toml deploy/constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found: install Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint deploy/constraints.txt -e ".[dev]"
	@touch $@

# The engine `make dev` runs (as settings.py decides): Java is needed only for Spark, and not for
# a Spark Connect client (SPARK_REMOTE), whose server owns the JVM.
ENGINE := $(or $(LAKEHOUSE_ENGINE),$(if $(SPARK_MASTER)$(SPARK_REMOTE),spark,duckdb))
JAVA_ERROR := Java 17 is required by Spark: install OpenJDK 17, e.g. apt-get install openjdk-17-jre-headless

check-java:
	$(if $(and $(filter spark,$(ENGINE)),$(if $(SPARK_REMOTE),,x)),$(if $(shell command -v java 2>/dev/null),,$(error $(JAVA_ERROR))),)

# Tests and benchmarks run both engines.
require-java:
	$(if $(shell command -v java 2>/dev/null),,$(error $(JAVA_ERROR)))

sample: install
	$(BIN)/python -m lakehouse_assets.sample_data events --landing $(LAKEHOUSE_ROOT)/landing \
	  --start $(SAMPLE_START) --hours $(SAMPLE_HOURS) --events-per-hour $(SAMPLE_EVENTS_PER_HOUR) --bad-share 0.02 --seed 7
	$(BIN)/python -m lakehouse_assets.sample_data images --landing $(LAKEHOUSE_ROOT)/landing --count 50 --seed 7

BANNER_SAMPLE_DAYS ?= 14
sample-banner: install
	@if [ -n "$$BANNER_DB_URL" ]; then echo "BANNER_DB_URL is set: not seeding it with sample data"; else \
	  $(BIN)/python -m lakehouse_assets.sample_data banner --db-url sqlite:///$(LAKEHOUSE_ROOT)/banner.db --days $(BANNER_SAMPLE_DAYS) --seed 7 --reset; fi

# Sixty KST days of sample weather through the weather assets (one run per day, as a backfill),
# so the `ml` group can be trained at once; days already in the instance are skipped. Not with a
# real KMA key: that history is a backfill of weather/observations from the UI.
WEATHER_HISTORY_DAYS ?= 60
sample-weather: install $(DAGSTER_HOME)/dagster.yaml
	@if [ -n "$$KMA_SERVICE_KEY" ]; then echo "KMA_SERVICE_KEY is set: not seeding sample weather history"; else \
	  $(BIN)/python -m lakehouse_assets.ml.history --days $(WEATHER_HISTORY_DAYS); fi

# The instance of `make dev`: Dagster's defaults (SQLite under DAGSTER_HOME); a dagster.yaml is
# written only so that Dagster does not warn about its absence, and says no usage statistics leave.
$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	@printf '%s\n' '# Written by make dev: Dagster defaults (SQLite storage in this folder), no telemetry.' 'telemetry:' '  enabled: false' > $@

# Started from a script (`make dev &`), make runs with SIGINT ignored, and Dagster then ignores
# SIGTERM too: both are reset so that Ctrl-C and kill stop it within seconds. Dagster's advice to
# use `dg dev` (another CLI, not installed here) is the one warning of a healthy start: silenced.
dev: check-java install sample sample-banner sample-weather $(DAGSTER_HOME)/dagster.yaml
	@echo "Dagster UI at http://localhost:$(DAGSTER_PORT) (Ctrl-C stops it)"
	@exec env --default-signal=INT,TERM PYTHONWARNINGS='ignore:Function `dev_command` is superseded' \
	  $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DAGSTER_PORT)

# Two workers (pytest-xdist), each test module on one of them: the deployed-topology, browser and
# Spark-cluster tests spend most of their time waiting on other processes, so the suite takes
# about 7.5 minutes on 2 cores instead of 15. Each worker has its own shared SparkSession.
test: require-java install spark-classes
	$(BIN)/python -m pytest -n 2 --dist loadscope

# The local Spark driver's class archive (lakehouse/class_archive.py): built once per install
# (about 40 s); every later local driver maps it instead of loading Spark's classes one by one.
SPARK_CLASSES := $(VENV)/share/lakehouse_assets/spark-classes.jsa
spark-classes: $(SPARK_CLASSES)
$(SPARK_CLASSES): $(VENV)/.installed
	@$(MAKE) --no-print-directory require-java
	$(BIN)/python -m lakehouse_assets.events.class_archive_build --out $@

test-topology: install
	$(BIN)/python -m pytest -m topology lakehouse_assets_tests/deploy/test_topology.py

bench: require-java install spark-classes
	$(BIN)/python bench/medallion.py

# The deployed stack (deploy/README.md): settings and secrets in deploy/.env.
COMPOSE ?= docker compose --env-file deploy/.env
compose-up:
	@test -f deploy/.env || { echo "error: copy deploy/env.example to deploy/.env and fill in the secrets (deploy/README.md)" >&2; exit 1; }
	$(COMPOSE) up -d --build --wait

compose-down:
	$(COMPOSE) down

# The versions the images install: the runtime dependencies of the tested environment.
constraints: install
	$(BIN)/python deploy/constraints.py

clean:
	rm -rf .lakehouse .dagster_home
