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
export BENTOML_DO_NOT_TRACK := true
export GRADIO_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1
export MLFLOW_TRACKING_URI ?= sqlite:///$(DATA_DIR)/mlflow/mlflow.db
ifneq ($(wildcard $(REAL_DIR)),)
export HOME_CREDIT_REAL_DIR ?= $(REAL_DIR)
endif

.PHONY: run test install data pipeline dagster lint typecheck bench clean

run: install data pipeline ## install, make demo data if needed, materialise everything
	@echo "pipeline materialised; outputs in $(DATA_DIR)"

test: install ## lint, type checks and every test (slow ones included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright
	$(BIN)/pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	@test -x $(UV) || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/pip install -q uv==$(UV_VERSION); }
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

data: install ## the synthetic demo data, unless HOME_CREDIT_DATA points at real data
	$(BIN)/credit-scoring demo-data

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $@

pipeline: install data $(DAGSTER_HOME)/dagster.yaml ## materialise the whole asset graph
	$(BIN)/dagster asset materialize -m credit_assets.definitions --select '*'

dagster: install data $(DAGSTER_HOME)/dagster.yaml ## Dagster UI + daemon on DAGSTER_PORT (3000)
	$(BIN)/dagster dev -m credit_assets.definitions -p $(DAGSTER_PORT)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/pyright

clean: ## remove every output (keeps the installed environment)
	rm -rf $(DATA_DIR)
