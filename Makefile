# Everything runs from a project-local virtualenv made on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WORKERS ?= auto

.PHONY: help mock test lint spec rules conformance property-thorough selfcheck bench clean e2e

help:
	@echo "make mock        run the stateful mock on http://127.0.0.1:8080/v1 with demo data"
	@echo "make test        install on first use, lint and run the tests (unit, conformance, property)"
	@echo "make lint        ruff, then mypy (strict for contract/)"
	@echo "make spec        bundle the resolved OpenAPI document to spec/build/"
	@echo "make rules       write the rule catalogue (contract/rules.py) to docs/rules.md"
	@echo "make conformance run the Schemathesis suite (BASE_URL=… TOKEN_A=… TOKEN_B=…; default: the mock)"
	@echo "make selfcheck   serve the mock with each named fault; its rule's checks must catch it"
	@echo "make e2e         /docs in headless chromium, Postman round-trip in newman (installs them)"
	@echo "make bench       load, scale, memory and start-up figures into bench/out/ (BENCH_QUICK=1)"
	@echo "make property-thorough  the property suites with the thorough Hypothesis profile"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

mock: $(STAMP)
	$(BIN)/python -m mock

test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(WORKERS) -q --ignore=tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

spec: $(STAMP)
	$(BIN)/python -m contract.spec --out spec/build

rules: $(STAMP)
	$(BIN)/python -m contract.rules > docs/rules.md

# --- make bench (issue 12): load, scale, start-up, memory; BENCH_QUICK=1 for a short run --------
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) spec/build .pytest_cache .hypothesis

# --- the suites -----------------------------------------------------------------------------
# With no BASE_URL the suites start the mock themselves (the embedded default).
conformance: $(STAMP)
	$(BIN)/python -m conformance $(if $(BASE_URL),--base-url $(BASE_URL)) \
	  $(if $(TOKEN_A),--token-a $(TOKEN_A)) $(if $(TOKEN_B),--token-b $(TOKEN_B)) \
	  $(if $(SECRET),--secret $(SECRET)) $(if $(MODE),--mode $(MODE)) $(CONFORMANCE_ARGS)

property-thorough: $(STAMP)
	$(BIN)/python -m pytest property_tests -p no:cacheprovider --hypothesis-profile thorough \
	  $(if $(BASE_URL),--base-url $(BASE_URL))

# --- end to end: /docs in Debian's chromium (Playwright), the Postman round-trip (newman) ----
# The tests install chromium (apt-get) and the pinned Node tools (npm, into .cache/node).
E2E_STAMP := $(VENV)/.installed-e2e

$(E2E_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,e2e]'
	touch $(E2E_STAMP)

e2e: $(E2E_STAMP)
	$(BIN)/python -m pytest tests/e2e -n 2 --dist loadfile -q

# --- prove the suites can fail: every named fault of mock/faults.py must be caught ----------
selfcheck: $(STAMP)
	$(BIN)/python -m conformance.selfcheck $(SELFCHECK_ARGS)
