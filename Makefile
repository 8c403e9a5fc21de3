# Postmortem Studio. `make help` lists the targets. `make draft` and `make test` set everything up on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE ?= datasets/examples/docsrs-disk-full
MODEL ?= offline
PROMPTS ?= default
MODELS ?= offline
EVAL_PROMPTS ?= default,seed-single-shot
DATASET ?= datasets/golden
TEST_DATASET ?= datasets/golden-test
TEST_PROMPTS ?= default
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (a file's tests stay on one worker, slow files first: tests/conftest.py);
# 0 = one process
TEST_WORKERS ?= 2

# deepeval: no telemetry, no .env loading, no files in the working tree; streamlit: no usage stats
export DEEPEVAL_TELEMETRY_OPT_OUT := YES
export DEEPEVAL_DISABLE_DOTENV := 1
export DEEPEVAL_FILE_SYSTEM := READ_ONLY
export DEEPEVAL_CACHE_FOLDER := $(CURDIR)/var/deepeval
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export STREAMLIT_SERVER_HEADLESS := true

.PHONY: help install draft test test-fast lint typecheck format eval eval-check compare calibrate dashboard bench screenshots clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install (idempotent)

draft: $(STAMP) ## Draft the example bundle offline and print the Markdown (EXAMPLE=, MODEL=, PROMPTS=)
	$(BIN)/pmstudio draft $(EXAMPLE) --model $(MODEL) --prompts $(PROMPTS)

lint: $(STAMP) ## ruff + mypy (fails on any finding)
	$(BIN)/ruff check src tests dashboard bench
	$(BIN)/mypy

typecheck: lint ## Alias of lint (mypy runs there)

format: $(STAMP) ## Format and autofix with ruff
	$(BIN)/ruff check --fix src tests dashboard
	$(BIN)/ruff format src tests dashboard

test: $(STAMP) lint ## Lint, then every test (unit, providers via the fake server, dashboard, browser, reliability)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

test-fast: $(STAMP) ## Tests without the browser ones
	$(BIN)/python -m pytest -q -m "not browser" $(PYTEST_ARGS)

eval: $(STAMP) ## Score dev (DATASET=) and the frozen test split (TEST_DATASET=, TEST_PROMPTS=) side by side (MODELS=, EVAL_PROMPTS=), then eval-check
	@mkdir -p var/eval
	@$(BIN)/pmstudio calibrate --if-stale --quiet
	@rc=0; $(BIN)/pmstudio eval --dataset $(DATASET) --models $(MODELS) --prompts $(EVAL_PROMPTS) --thresholds evals/thresholds.yaml --json var/eval/dev.json || rc=$$?; \
	$(BIN)/pmstudio eval --dataset $(TEST_DATASET) --models $(MODELS) --prompts $(TEST_PROMPTS) --json var/eval/test.json -q > var/eval/test.txt || rc=$$?; \
	$(BIN)/python -m pmstudio.evals.splits var/eval/dev.json var/eval/test.json; \
	$(BIN)/pmstudio eval-check --dataset datasets/check || rc=$$?; exit $$rc

eval-check: $(STAMP) ## Score `pmstudio check` on the labelled corpus datasets/check (dev vs test side by side)
	$(BIN)/pmstudio eval-check --dataset datasets/check

calibrate: $(STAMP) ## Agreement of lints, metrics and judges with reviewers' labels (loads evals/labels first)
	$(BIN)/pmstudio calibrate

compare: $(STAMP) ## Compare the last eval run by model and prompt set
	$(BIN)/pmstudio compare --by model,prompt

dashboard: $(STAMP) ## Start the Streamlit dashboard on http://127.0.0.1:8501
	$(BIN)/pmstudio dashboard --port 8501

bench: $(STAMP) ## Benchmarks: prints side-by-side ratios, writes var/bench/results.json
	$(BIN)/python bench/run.py

screenshots: $(STAMP) ## Remake docs/*.png from a real offline eval and draft (needs Debian chromium)
	$(BIN)/python tests/screenshots.py

clean: ## Remove the venv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
