# Two commands for a newcomer: `make demo` and `make test`. Both create .venv and install the
# project with every extra on first use (and again whenever pyproject.toml changes). `make test`
# also installs the consumers the test suite hands mediakit's output to (`make consumers`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install clean fixtures lint consumers system-tools build-tools constraints fuzz fuzz-cov

# constraints.txt pins the versions (a fresh resolve of every extra backtracks for many minutes).
# The install compiles mediakit._speedups (setup.py): build-tools first makes sure a C compiler
# and Python's headers are there.
$(STAMP): pyproject.toml constraints.txt setup.py mediakit/_speedups.c | build-tools
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[all,test]'
	touch $(STAMP)

# After changing dependencies in pyproject.toml and checking the suite passes in .venv.
constraints: $(STAMP)
	{ sed -n '/^#/p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py --out demo-out

test: $(STAMP) consumers
	$(BIN)/python -m pytest -q -n 2

# The consumer suite (tests/consumers/) needs headless Chromium and ChromeDriver from Debian's
# packages (never a browser download) and the Khronos glTF validator from npm (pinned by
# package-lock.json). Each is installed only when missing; apt-get runs as root, else through sudo.
CONSUMERS      := tests/consumers
CONSUMER_STAMP := $(CONSUMERS)/node_modules/.installed
CHROMIUM       := /usr/bin/chromium
CHROMEDRIVER   := /usr/bin/chromedriver
SUDO           := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

consumers: system-tools $(CONSUMER_STAMP)

# A C compiler (Debian's gcc) and the headers of $(PYTHON) (python3-dev, for Debian's own
# Python; other builds ship theirs), each installed only when missing.
build-tools:
	@pkgs=""; \
	command -v cc >/dev/null 2>&1 || pkgs="$$pkgs gcc libc6-dev"; \
	[ -f "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] || pkgs="$$pkgs python3-dev"; \
	if [ -n "$$pkgs" ]; then \
	  echo "installing Debian packages:$$pkgs"; \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$pkgs; \
	fi

system-tools:
	@pkgs=""; \
	[ -x $(CHROMIUM) ] || pkgs="$$pkgs chromium"; \
	[ -x $(CHROMEDRIVER) ] || pkgs="$$pkgs chromium-driver"; \
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || pkgs="$$pkgs nodejs npm"; \
	if [ -n "$$pkgs" ]; then \
	  echo "installing Debian packages:$$pkgs"; \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$pkgs; \
	fi

$(CONSUMER_STAMP): $(CONSUMERS)/package.json $(CONSUMERS)/package-lock.json | system-tools
	npm ci --prefix $(CONSUMERS) --no-audit --no-fund
	touch $@

# The mutation fuzzers with a bigger budget than `make test` gives them (FUZZ_N mutations per corpus
# file, plus the hostile-descriptor suite). A crash found becomes a regression case in tests/fuzz/.
FUZZ_N ?= 200
fuzz: $(STAMP)
	MEDIAKIT_FUZZ_N=$(FUZZ_N) $(BIN)/python -m pytest -q -n 2 tests/fuzz

# Coverage-guided fuzzing with atheris (the `fuzz` extra): every target of fuzz/targets.py (one per
# file reader family, plus descriptors) for FUZZ_SECONDS each, seeded from fixtures/corpus. A crash
# is written to tests/fuzz/regressions/<target>/<sha256>.bin, which tests/fuzz/test_regressions.py
# replays; the run exits 1 when it found a new one. FUZZ_TARGETS="images audio" runs a few,
# FUZZ_ARGS="--corpus fuzz-corpus" keeps the grown corpora (see fuzz/run.py --help).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= all
FUZZ_ARGS    ?=
FUZZ_STAMP   := $(VENV)/.fuzz-installed
$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[fuzz]'
	touch $@

fuzz-cov: $(FUZZ_STAMP)
	$(BIN)/python fuzz/run.py $(FUZZ_TARGETS) --seconds $(FUZZ_SECONDS) $(FUZZ_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check mediakit tests scripts benchmarks fuzz fixtures/generate.py setup.py
	$(BIN)/mypy mediakit

fixtures: $(STAMP)
	$(BIN)/python fixtures/generate.py

# The benchmark suite runs against the incumbents (wandb offline, tensorboardX), which live only
# in their own environment, never in the project's dependencies.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml benchmarks/requirements.txt setup.py mediakit/_speedups.c | build-tools
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	# A plain path entry (compat mode), as an installed wheel would behave: setuptools' default
	# editable finder imports pathlib, re and more into every interpreter start (about 40 ms).
	$(BENCH_VENV)/bin/python -m pip install --quiet --config-settings editable_mode=compat -e '.[all]' -r benchmarks/requirements.txt
	# wandb.Video and tensorboardX video need moviepy, whose Pillow<12 pin would downgrade Pillow:
	# install it without its pins (it works with Pillow 13) plus its real dependencies.
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps moviepy
	$(BENCH_VENV)/bin/python -m pip install --quiet decorator proglog python-dotenv tqdm imageio
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf demo-out .pytest_cache build *.egg-info $(CONSUMERS)/node_modules
