# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv with pip and installs what it needs, and only that; nothing is assumed installed.
#   demo: ffnn with its runtime extras (progress bars, pictures, BLAS threads)
#   test: ffnn with its test tools (pytest, hypothesis, ruff, scikit-learn, a Jupyter kernel, dask;
#         PyTorch when it can be installed)
#   docs: the API reference from the docstrings, with pdoc, into out/api/ (self-contained HTML)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev
DOCS    := $(VENV)/.installed-docs
API_MODULES := ffnn ffnn.datasets ffnn.viz ffnn.io ffnn.sklearn ffnn.explain ffnn.autograd ffnn.study ffnn.cli

.PHONY: demo test test-all lint bench bench-tables docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[demo]"
	touch $@

$(DEV): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[dev,dask]"
	@# PyTorch is an optional oracle for the tests (skipped cleanly when absent).
	-$(PY) -m pip install -q "torch==2.13.0" || echo "torch not installed: PyTorch comparisons will be skipped"
	touch $@

$(DOCS): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[docs,all]"
	touch $@

demo: $(RUNTIME)
	$(VENV)/bin/ffnn train --out out/demo --plots out/demo --save out/demo/model.npz

test: $(DEV)
	$(PY) -m pytest -q

test-all: $(DEV)
	$(PY) -m pytest -q -m "slow or not slow"

lint: $(DEV)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(DEV)
	$(PY) benchmarks/bench_compare.py

bench-tables: $(DEV)
	$(PY) benchmarks/bench_tables.py

docs: $(DOCS)
	rm -rf out/api
	$(PY) -m pdoc --docformat numpy --footer-text "ffnn $$($(PY) -c 'import ffnn; print(ffnn.__version__)')" \
		-o out/api $(API_MODULES)
	@echo "API reference: out/api/index.html"

clean:
	rm -rf $(VENV) out .pytest_cache
