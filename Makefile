# ipo-research: the front door. `make` (or `make help`) lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The Python the lock files are made for, and the only one `make setup` accepts.
PYTHON_VERSION := $(shell cat .python-version)
# Lock files (see README, "The locked environment"): exact versions and sha256 hashes.
BUILD_LOCK := requirements/build.txt
RUNTIME_LOCK := requirements/runtime.txt
TEST_LOCK := requirements/test.txt
LOCK_TOOL := requirements/lock-tool.txt
LOCK_VENV := .venv-lock
UV := $(LOCK_VENV)/bin/uv
UV_COMPILE := $(UV) pip compile --quiet --generate-hashes --python-version $(PYTHON_VERSION) \
	--python-platform linux $(if $(UPGRADE),--upgrade)
OUT ?= reports
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Kernels must run the venv's Python whatever is on PATH: the venv's own
# kernelspec (installed by `setup`) is found first through JUPYTER_PATH.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Tests marked `slow` (property and subprocess tests of more than ~10 s) run in CI (CI=true) and
# with `make test-all`; a local `make test` leaves them out to stay under its 4-minute budget.
# So does nbval of 07_robustness, a simulation notebook (288 specifications x 500 null draws
# and a power simulation: about a minute of both cores); the golden check then leaves out the
# tables that notebook writes, and says so.
SLOW := $(if $(filter true,$(CI)),,-m "not slow")
SLOW_NOTEBOOKS := 07_robustness
NBVAL_NOTEBOOKS := $(if $(filter true,$(CI)),notebooks,$(filter-out $(SLOW_NOTEBOOKS:%=notebooks/%.ipynb),$(sort $(wildcard notebooks/*.ipynb))))
GOLDEN_SKIP := $(if $(filter true,$(CI)),,$(SLOW_NOTEBOOKS:%=--skip-notebook %))

.PHONY: help setup lock report test test-all fuzz goldens lab notebooks clean-reports

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv from the lock files (does nothing when up to date)

# `check_python,INTERPRETER,HINT` stops unless INTERPRETER runs Python $(PYTHON_VERSION).
# It asks in Python 2 syntax too, so an old interpreter gets the message rather than a traceback.
check_python = found=$$($(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
	|| found=""; \
	if [ "$$found" != "$(PYTHON_VERSION)" ]; then \
	if [ -n "$$found" ]; then found="is Python $$found"; else found="does not run"; fi; \
	echo "Stop: the lock files are made for Python $(PYTHON_VERSION) (.python-version)," \
	"but $(1) $$found." >&2; \
	echo "  $(2)" >&2; exit 1; fi

# Installs exactly what the locks pin: pip and setuptools, then the runtime and test packages
# (every one hash-checked), then the package itself from its source without dependencies;
# distributions no lock names are removed and the result is checked against the locks.
# The editable install prints setuptools' "BuildBackendWarning: Editable installation": setuptools
# prints it for every editable install, whatever the mode; a notice, not a fault. Lines such as
# "WARNING: Location 'file:///...' is ignored" come from a pip configuration outside the project.
$(STAMP): pyproject.toml .python-version $(BUILD_LOCK) $(TEST_LOCK)
	@if [ -x $(BIN)/python ]; then \
	$(call check_python,$(BIN)/python,Remove the venv (rm -rf $(VENV)) and run: PYTHON=python$(PYTHON_VERSION) make setup); \
	else \
	$(call check_python,$(PYTHON),Install Python $(PYTHON_VERSION) and run: PYTHON=python$(PYTHON_VERSION) make setup); \
	echo "$(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --require-hashes -r $(BUILD_LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipo_research.pipeline.environment check --sync $(BUILD_LOCK) $(TEST_LOCK)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipo-research)" >/dev/null
	touch $(STAMP)

# uv, itself pinned and hash-checked, lives in its own venv: the project's venv holds only what
# the locks pin. Existing pins are kept unless pyproject.toml no longer allows them; UPGRADE=1
# moves every package to the newest release allowed. The runtime lock is compiled under the
# test lock's pins, so the two never disagree; environment.yml is pinned to the same versions.
lock: ## Regenerate requirements/*.txt from pyproject.toml with uv (UPGRADE=1: newest allowed)
	test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --require-hashes -r $(LOCK_TOOL)
	$(UV_COMPILE) pyproject.toml --extra test -o $(TEST_LOCK)
	$(UV_COMPILE) pyproject.toml -c $(TEST_LOCK) -o $(RUNTIME_LOCK)
	$(UV_COMPILE) requirements/build.in -o $(BUILD_LOCK)
	$(UV_COMPILE) requirements/lock-tool.in -o $(LOCK_TOOL)
	$(LOCK_VENV)/bin/python -m ipo_research.pipeline.environment pin-environment environment.yml $(TEST_LOCK)

report: setup ## Run every notebook on the shipped synthetic export into reports/ (then audit its tables)
	$(BIN)/ipo-research run --out $(OUT) --jobs $(JOBS)
	$(BIN)/python -m ipo_research.checks.disclosure_audit $(OUT)

# nbval runs the notebooks with their defaults, so they write reports/ (their default out_dir):
# the last steps compare the headline tables they just wrote with tests/golden and check that
# no table they published shows a count below the disclosure threshold.
test: setup ## Run the test suite (slow tests only in CI): import layers, unit tests, nbval, golden tables
	@start=$$(date +%s); status=0; \
	$(BIN)/lint-imports --no-cache && \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup $(SLOW) tests && \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider $(NBVAL_NOTEBOOKS) && \
	$(BIN)/python -m ipo_research.checks.golden reports/tables tests/golden $(GOLDEN_SKIP) && \
	$(BIN)/python -m ipo_research.checks.disclosure_audit reports || status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

test-all: ## Run the whole test suite, slow tests included (what CI runs)
	$(MAKE) test CI=true

fuzz: setup ## Fuzz validate and clean longer than make test does (IPO_FUZZ_EXAMPLES cases per layout, default 200)
	IPO_FUZZ_EXAMPLES=$${IPO_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest -p no:cacheprovider -n $(JOBS) tests/test_fuzz_readers.py

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
