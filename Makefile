# The README's commands. Every target installs what it needs first (idempotent).
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= $(CURDIR)/data
PORT ?= 3917
DAGSTER_PORT ?= 3000
MLFLOW_PORT ?= 5000
REAL_DIR := $(abspath ../shared/data/home-credit-real)

export DAGSTER_HOME := $(DATA_DIR)/dagster
export CREDIT_DATA_DIR := $(DATA_DIR)
# Usage statistics off: the same as credit_assets.USAGE_STATISTICS_OFF (a test compares).
export BENTOML_DO_NOT_TRACK := true
export GRADIO_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := true
export MLFLOW_DISABLE_TELEMETRY := true
export MLFLOW_TRACKING_URI ?= sqlite:///$(DATA_DIR)/mlflow/mlflow.db
export BENTOML_HOME ?= $(DATA_DIR)/bentoml
# NumPy's huge-page advice on large arrays off: on virtual machines that hand freed memory back
# to the host (this one), each new large array then faults in again from the host, 12 times
# slower than with small pages (benchmarks/allocation.py prints both).
export NUMPY_MADVISE_HUGEPAGE ?= 0
ifneq ($(wildcard $(REAL_DIR)),)
export HOME_CREDIT_REAL_DIR ?= $(REAL_DIR)
endif

.PHONY: run up test install data pipeline serve dagster mlflow lint typecheck audit clean

run: install data pipeline up ## install, demo data if needed, materialise what is missing or stale, start everything

test: install audit ## lint, type checks, every test (slow ones included), dependency audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright
	$(BIN)/pytest -q

install: $(STAMP)

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on the reference
# machine) every process would otherwise compile MLflow, Dagster and pandas from source.
$(STAMP): pyproject.toml uv.lock
	@test -x $(UV) || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q uv==$(UV_VERSION); }
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

data: install ## the synthetic demo data, unless HOME_CREDIT_DATA points at real data
	$(BIN)/credit-scoring demo-data

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $@

pipeline: install data $(DAGSTER_HOME)/dagster.yaml ## materialise what is missing or stale (ALL=1: everything; EXPERIMENTS=1: the resampling experiment too)
	$(BIN)/credit-scoring materialize $(if $(ALL),--all) $(if $(EXPERIMENTS),--experiments)

# honcho starts the Procfile's processes in their own process groups and, on Ctrl-C, stops each
# group (SIGTERM, SIGKILL after 5 s), so no server outlives `make run`.
up: install $(DAGSTER_HOME)/dagster.yaml ## the service, the Dagster UI with its daemon and the MLflow UI together
	@test -d "$(BENTOML_HOME)/bentos/credit_scorer" || { echo "no credit_scorer Bento in $(BENTOML_HOME): run make pipeline first"; exit 1; }
	SERVICE_PORT=$(PORT) DAGSTER_PORT=$(DAGSTER_PORT) MLFLOW_PORT=$(MLFLOW_PORT) $(BIN)/honcho --no-colour -f Procfile start

serve: install ## bentoml serve the latest credit_scorer Bento on PORT (3917)
	@test -d "$(BENTOML_HOME)/bentos/credit_scorer" || { echo "no credit_scorer Bento in $(BENTOML_HOME): run make pipeline first"; exit 1; }
	@echo "credit_scorer: http://127.0.0.1:$(PORT)  (API docs: http://127.0.0.1:$(PORT)/, explainer: http://127.0.0.1:$(PORT)/ui)"
	$(BIN)/bentoml serve credit_scorer:latest --host 127.0.0.1 --port $(PORT)

mlflow: install ## MLflow UI on the local tracking store, MLFLOW_PORT (5000)
	$(BIN)/mlflow ui --backend-store-uri "$(MLFLOW_TRACKING_URI)" --host 127.0.0.1 --port $(MLFLOW_PORT)

dagster: install data $(DAGSTER_HOME)/dagster.yaml ## Dagster UI + daemon on DAGSTER_PORT (3000)
	$(BIN)/dagster dev -m credit_assets.definitions -p $(DAGSTER_PORT)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/pyright

# --strict: a package the vulnerability service cannot audit fails the run instead of being
# skipped, so an audit that could not run is never reported as "No known vulnerabilities found";
# security/audit.py then says NOT RUN (without failing) and adds the explained ids as --ignore-vuln.
audit: install ## pip-audit of the lock; only ids explained in security/audit-ignore.txt pass
	@$(UV) export --frozen --no-hashes --no-emit-project --all-groups --quiet -o $(VENV)/audit-requirements.txt
	$(BIN)/python security/audit.py -- $(BIN)/pip-audit --requirement $(VENV)/audit-requirements.txt \
	  --no-deps --disable-pip --strict --progress-spinner off

clean: ## remove every output (keeps the installed environment)
	rm -rf $(DATA_DIR)
