# Two commands for a newcomer: `make demo` and `make test`. Both create .venv and install the
# project with every extra on first use (and again whenever pyproject.toml changes).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install clean fixtures lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py --out demo-out

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check mediakit tests scripts benchmarks fixtures/generate.py
	$(BIN)/mypy mediakit

fixtures: $(STAMP)
	$(BIN)/python fixtures/generate.py

# The benchmark suite runs against the incumbents (wandb offline, tensorboardX), which live only
# in their own environment, never in the project's dependencies.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[all]' -r benchmarks/requirements.txt
	# wandb.Video and tensorboardX video need moviepy, whose Pillow<12 pin would downgrade Pillow:
	# install it without its pins (it works with Pillow 13) plus its real dependencies.
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps moviepy
	$(BENCH_VENV)/bin/python -m pip install --quiet decorator proglog python-dotenv tqdm imageio
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf demo-out .pytest_cache build *.egg-info
