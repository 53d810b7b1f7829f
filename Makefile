# Two commands do all the set-up on a fresh machine: `make test` and `make bench`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test test-other-pythons bench bench-quick lint typecheck pytest clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Headless Chromium for the report's browser test; skipped (with a reason) when it cannot install.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) 2>/dev/null \
	  || echo "make: chromium not installed; the report's browser test will be skipped"; }

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck browser pytest

# The suite again on Python 3.12 and 3.13 when the machine has them (CI runs it after `test`).
test-other-pythons:
	scripts/test-other-pythons

bench: $(STAMP) browser
	$(BIN)/pytest --graph-bench benchmarks -p no:randomly

# The benchmark module at small sizes (under a minute); CI runs it so the report path cannot rot.
bench-quick: $(STAMP)
	$(BIN)/pytest --graph-bench --graph-bench-quick benchmarks -p no:randomly

clean:
	rm -rf $(VENV) .venv-3.* reports/graph-bench.*
