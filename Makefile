# One runner for everything. Each target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"

demo: install
	$(BIN)/slaclock report examples/tickets.csv

test: install
	$(BIN)/python -m pytest

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
	rm -rf $(VENV) docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis
