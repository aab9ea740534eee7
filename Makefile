# Two entry points for a fresh machine with nothing but Python:
#   make xor    set up .venv on first use, then evolve XOR from configs/xor.toml
#   make test   set up .venv on first use, then run the test suite
# TORCH is what gets installed when the environment has no torch yet. The default pin is
# the CPU build on machines whose pip is configured with a local CPU wheel; elsewhere use e.g.
#   make test TORCH="torch --index-url https://download.pytorch.org/whl/cpu"
PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
PY      = $(VENV)/bin/python

.PHONY: setup xor test bench clean

$(VENV)/.ready: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install $(TORCH)
	$(PY) -m pip install -e ".[dev]"
	touch $@

setup: $(VENV)/.ready

xor: setup
	$(VENV)/bin/neuroevo run configs/xor.toml --out runs/xor --overwrite

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/forward_throughput.py

clean:
	rm -rf $(VENV) runs
