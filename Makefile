# Two entry points for people: `make demo` and `make test`. Each one builds what it
# needs: the virtual environment, the project installed into it, and a Chromium.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint bench soak browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

browser: $(INSTALLED)
	$(PY) -m agent.browser ensure

demo: browser
	$(VENV)/bin/order-agent demo

test: browser
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(INSTALLED)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: browser
	$(PY) -m bench

# 200 agent runs on the chaos shop with two CPU hogs; report in bench/results/soak.md.
soak: browser
	$(PY) -m bench.soak --runs 200

clean:
	rm -rf $(VENV) .pytest_cache
