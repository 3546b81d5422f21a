# The two set-up commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/classpulse demo

lint: install
	$(BIN)/ruff check connector sync jobs config migrations tests

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

test: lint typecheck unit

bench: install
	$(BIN)/classpulse bench sync --platform google --scenario trust --latency-ms 100

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
