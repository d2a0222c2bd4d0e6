# One runner for everything. Each target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-pythons lint typecheck docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[cli]"
	$(BIN)/slaclock report examples/tickets.csv

test: install
	$(BIN)/python -m pytest

# The suite on every Python the package supports that is found here (on the PATH, or
# installed by pyenv), each in its own virtual environment under build/; fails if one
# fails or none is found. PYTEST_ARGS is passed on (e.g. PYTEST_ARGS="-x").
PY_VERSIONS ?= 3.11 3.12 3.13
PYTEST_ARGS ?=
PYENV_ROOT ?= $(HOME)/.pyenv

test-pythons:
	@found=0; for v in $(PY_VERSIONS); do \
	  py=""; for c in python$$v $(PYENV_ROOT)/versions/$$v*/bin/python$$v; do \
	    if $$c -c "" >/dev/null 2>&1; then py=$$c; break; fi; done; \
	  if [ -z "$$py" ]; then echo "== Python $$v: not found, skipped"; continue; fi; \
	  found=1; env=build/venv-$$v; echo "== Python $$v: $$py, in $$env"; \
	  $$py -m venv $$env && $$env/bin/python -m pip install --quiet -e ".[dev]" \
	    && $$env/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || exit 1; \
	done; test $$found = 1

lint: install
	$(BIN)/ruff check src tests benchmarks examples

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/sphinx-build -n -W --keep-going -b html docs docs/_build/html

bench: install
	$(BIN)/python benchmarks/bench_compare.py
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) build docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis
