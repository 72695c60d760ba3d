# Handrail: the two commands a newcomer needs are `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint setup eval bench lint-policies clean console-assets

# Set up (virtual environment from the hashed lock file) and run the gateway on its defaults.
serve: setup
	$(BIN)/handrail serve

# Run the whole test suite (after the formatter, linter, type checker and layer contract: CI runs exactly this).
test: setup lint
	$(BIN)/python -m pytest

# Formatting, lint, strict types and the one-way layers (core <- detectors | audit <- proxy), as CI checks them.
lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Handrail needs Python 3.11 (the lock file is resolved for it); $(PYTHON) is %d.%d. Run: make PYTHON=python3.11" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Detection quality on the development corpora, scored by ../shared/eval's scorers.
eval: setup
	$(BIN)/python bench/evaluate.py

# Benchmarks print figures; they are not tests. See docs/performance.md.
bench: setup
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/scan.py
	$(BIN)/python bench/policy.py
	$(BIN)/python bench/audit.py

# Re-copy the console's GOV.UK Frontend files from the locked npm release (the copies are committed, so installs
# need neither npm nor the network; run this only to upgrade). See docs/console.md.
console-assets:
	cd proxy/console/frontend && npm ci --no-audit --no-fund --ignore-scripts && python3 copy_assets.py

clean:
	rm -rf $(VENV) build *.egg-info
