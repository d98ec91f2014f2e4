# ipo-research: the front door. `make` (or `make help`) lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= reports
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Kernels must run the venv's Python whatever is on PATH: the venv's own
# kernelspec (installed by `setup`) is found first through JUPYTER_PATH.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup report test goldens lab notebooks clean-reports

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install the package with its test extra (does nothing when up to date)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipo-research)" >/dev/null
	touch $(STAMP)

report: setup ## Run every notebook on the shipped synthetic export into reports/ (then audit its tables)
	$(BIN)/ipo-research run --out $(OUT) --jobs $(JOBS)
	$(BIN)/python -m ipo_research.checks.disclosure_audit $(OUT)

# nbval runs the notebooks with their defaults, so they write reports/ (their default out_dir):
# the last steps compare the headline tables they just wrote with tests/golden and check that
# no table they published shows a count below the disclosure threshold.
test: setup ## Run the whole test suite: import layers, unit tests, nbval on the committed notebooks, golden tables
	@start=$$(date +%s); status=0; \
	$(BIN)/lint-imports --no-cache && \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup tests && \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider notebooks && \
	$(BIN)/python -m ipo_research.checks.golden reports/tables tests/golden && \
	$(BIN)/python -m ipo_research.checks.disclosure_audit reports || status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

goldens: setup ## Refresh tests/golden/ from a forced default run; review with git diff tests/golden
	$(BIN)/ipo-research run --out $(OUT) --jobs $(JOBS) --force
	$(BIN)/python -m ipo_research.checks.golden --refresh $(OUT)/tables tests/golden

lab: setup ## Open JupyterLab in the venv
	$(BIN)/jupyter lab notebooks

notebooks: setup ## Refresh the committed notebooks' outputs from the default run
	$(BIN)/ipo-research run --out $(OUT) --jobs $(JOBS) --force
	$(BIN)/python -m ipo_research.checks.notebook_refresh $(OUT)/notebooks notebooks

clean-reports: ## Remove everything a run wrote under reports/ (keeps reports/README.md)
	find $(OUT) -mindepth 1 ! -name README.md -delete
