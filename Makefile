# The two commands a newcomer needs: `make demo` and `make test`.
VENV   := .venv
BOMCAT := $(VENV)/bin/bomcat
DEMO_HOME ?= $(CURDIR)/demo-data
HOST ?= 127.0.0.1
PORT ?= 5000
# pytest-xdist workers for `make test`: one per core; 0 runs the suite in this process. Each module's
# tests stay on one worker, the longest modules first (tests/conftest.py).
TEST_WORKERS ?= auto

.PHONY: setup demo test test-fast bench bench-shared clean

$(VENV)/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $@

setup: $(VENV)/.installed

## Build the demo catalog from rendered synthetic boards and serve it.
demo: setup
	BOMCAT_HOME=$(DEMO_HOME) $(BOMCAT) demo --serve --host $(HOST) --port $(PORT)

## The whole test suite (what .ci/run runs).
test: setup
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

## Every benchmark (slow; not part of the suite), written to BENCHMARKS.md; bench-shared: the three on ../shared.
bench: setup
	$(BOMCAT) bench all --out BENCHMARKS.md

bench-shared: setup
	$(BOMCAT) bench resolver ../shared/bench/resolver/dev.tsv
	$(BOMCAT) bench ocr ../shared/bench/ocr/dev
	$(BOMCAT) bench detect ../shared/bench/boards

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache test-artifacts
