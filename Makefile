# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv with pip and installs everything it needs; nothing is assumed installed.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e ".[dev,dask]"
	@# PyTorch is an optional oracle for the tests (skipped cleanly when absent).
	-$(PY) -m pip install -q "torch==2.13.0" || echo "torch not installed: PyTorch comparisons will be skipped"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ffnn train --out out/demo --plots out/demo --save out/demo/model.npz

test: $(STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m "slow or not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_compare.py

clean:
	rm -rf $(VENV) out .pytest_cache
