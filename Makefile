# botguard: `make demo` and `make test` each work on a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUNTIME := $(VENV)/.installed

.PHONY: dev demo test lint fmt test-sim bench check-readme clean freqtrade-env

# Two stamps: the demo needs only the runtime dependencies, tests need the dev extra.
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)

# freqtrade for tests/e2e (marker `freqtrade`), in a venv of its own: its ccxt pin stays
# out of botguard's .venv. ~70 s once; .ci/run builds it, the tests skip without it.
FT_VENV := .venv-freqtrade
$(FT_VENV)/.installed:
	test -x $(FT_VENV)/bin/python || $(PY) -m venv $(FT_VENV)
	$(FT_VENV)/bin/pip install -q --disable-pip-version-check 'freqtrade==2026.9'
	touch $@

freqtrade-env: $(FT_VENV)/.installed

demo: $(RUNTIME)
	$(BIN)/botguard demo

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# Under coverage, botguard processes the tests start are counted too (pyproject:
# [tool.coverage.run] patch = ["subprocess"]), the xdist workers among them; the report
# fails below fail_under. TEST_WORKERS: most of the suite waits on processes, sims and
# timers, so more workers than cores pays (measured in the CHANGELOG); 0 runs it serially.
TEST_WORKERS ?= 2
test: lint
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -q -n $(TEST_WORKERS)
	@$(BIN)/coverage combine -q
	@printf 'coverage (branch, botguard subprocesses counted): '
	@$(BIN)/coverage report --format=total

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test-sim: $(STAMP)
	$(BIN)/pytest -q -m sim

bench: $(STAMP)
	$(BIN)/python benchmarks/kill.py
	$(BIN)/python benchmarks/scan.py
	$(BIN)/python benchmarks/guard.py
	$(BIN)/python benchmarks/sim.py
	$(BIN)/python benchmarks/harden.py
	$(BIN)/python benchmarks/redact.py
	$(BIN)/python benchmarks/audit.py

check-readme: $(STAMP)
	$(BIN)/pytest -q tests/cli/test_readme.py

clean:
	rm -rf $(VENV) $(FT_VENV) .mypy_cache .ruff_cache .coverage .coverage.*
