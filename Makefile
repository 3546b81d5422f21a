# The two set-up commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install demo test lint typecheck unit browser bench clean

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
	$(BIN)/hadolint Dockerfile

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

# The email render test drives Debian's headless Chromium; install it when we may.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] \
	  && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || { echo "make test needs Chromium: apt-get install chromium"; exit 1; }

test: lint typecheck browser unit

bench: install
	$(BIN)/classpulse bench sync --platform google --scenario trust --latency-ms 100

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
