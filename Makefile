# Two entry points for people: `make demo` and `make test`. Each one builds what it
# needs: the virtual environment, the project installed into it, and a Chromium.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test check lint bench soak browser services clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

browser: $(INSTALLED)
	$(PY) -m agent.browser ensure

# Redis and PostgreSQL, which the tests start on their own ports (installed when missing).
services: $(INSTALLED)
	$(PY) -m tests.support.services ensure

demo: browser
	$(VENV)/bin/order-agent demo

# Tests run in TEST_WORKERS processes (pytest-xdist), each with its own shop, browser and
# temp dirs; a test waiting on a page leaves the cores to the others. `make test
# TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 3
test: browser services
	$(PY) -m ruff check .
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

# The inner loop: ruff, then only the tests the changes since main can break (the map is
# tests/support/affected.py: the tests importing a changed module, named after it, or
# naming a changed file) and the tests that failed on the last run. BASE=branch compares
# with another branch. Minutes, not the suite's twenty: `make test` before pushing.
BASE ?= main
check: browser services
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m tests.support.affected BASE=$(BASE) --run -n $(TEST_WORKERS) --dist worksteal

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: browser
	$(PY) -m bench

# 200 agent runs on the chaos shop with two CPU hogs; report in bench/results/soak.md.
# Then the scale-out tests at the issue's size: 60 orders on three workers, two of them
# killed (the suite runs them with 9 orders: tests/distributed/test_scale_out.py).
soak: browser services
	$(PY) -m bench.soak --runs 200
	SCALE_OUT=full $(PY) -m pytest tests/distributed/test_scale_out.py -p no:cacheprovider

clean:
	rm -rf $(VENV) .pytest_cache
