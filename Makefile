# HW1 experiments. `make figures` regenerates every figure at report settings; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export HW1_DATA_DIR ?= $(if $(wildcard ../shared/data),../shared/data,data)

.PHONY: setup figures report quick test lint bench clean

# the virtual environment, rebuilt when a requirements file changes
$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.dev

# every script at report settings; prints the wall times, writes results/timings.json and REPORT.md.
# Reuses what results/ and results/cache/ hold for the same config and code: an interrupted run resumes.
figures: $(VENV)/.runtime
	$(PY) -m common.run_figures

# forget every stored result and cache (the next make figures recomputes everything)
clean:
	rm -rf results/cache results/quick figures/quick
	rm -f results/*.json

# REPORT.md from findings/*.py and report/*.md over results/*.json (make figures does this at the end)
report: $(VENV)/.runtime
	$(PY) -m common.report

quick: $(VENV)/.runtime
	$(PY) -m common.run_figures --quick

# the tests in two processes (pytest-xdist; worksteal: an idle worker takes tests queued on the
# other): 4.2-6.6 min on 2 idle Intel Xeon cores (2026-12-07, install excluded; the same suite took
# 250-394 s within one session as the machine's speed varied)
test: $(VENV)/.dev
	$(PY) -m pytest -q -n 2 --dist worksteal

lint: $(VENV)/.dev
	$(PY) -m ruff check .

bench: $(VENV)/.runtime
	$(PY) -m bench.run_all
