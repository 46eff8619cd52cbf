# Two commands: `make run` (install + demo) and `make test` (install + whole test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch is pinned to the CPU wheel; on these machines it lies in /opt/wheels.
WHEELS := $(wildcard /opt/wheels)
PIP    := $(BIN)/pip install --quiet $(if $(WHEELS),--find-links $(WHEELS))

.PHONY: run test install browser lint bench bench-quality notebook clean

run: install
	$(BIN)/vigie demo

test: install browser
	$(BIN)/ruff check .
	$(BIN)/pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip setuptools wheel
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test,bench]'
	touch $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

lint: install
	$(BIN)/ruff check .

bench-quality: install
	$(BIN)/python -m bench.quality

bench: install
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.perf

notebook: install
	$(BIN)/pip install --quiet jupyterlab
	$(BIN)/vigie snapshot
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) data .pytest_cache
