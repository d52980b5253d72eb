# lapgate: `make demo` runs a simulated event and serves the board; `make test` passes the tests.
# Both create .venv when it is missing and install what they need (fast when already done).
#
# .venv holds lapgate installed editable with the versions of requirements/constraints.txt
# (the versions CI tests and deploy/install-pi.sh installs). The editable install maps the
# import package `lapgate.timer` to the folder timer/ (and so on, see pyproject.toml), so new
# modules need no reinstall; a change to pyproject.toml or the constraints reinstalls.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt

.PHONY: demo test lint typecheck pytest install constraints clean bench

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/lapgate demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# tools/typecheck.py is mypy, told that lapgate.timer lives in timer/ (and so on).
typecheck: $(STAMP)
	$(BIN)/python tools/typecheck.py --strict -p lapgate.timer -p lapgate.config tools
	$(BIN)/python tools/typecheck.py -p lapgate.hardware -p lapgate.board lapgate

# Both cores (pytest-xdist): a test file stays on one worker, Redis tests share one
# (tests/conftest.py). PYTEST_ARGS= (empty) runs in one process.
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadgroup
pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Newest versions that pyproject.toml allows, resolved in a fresh venv and pinned. Run it to
# upgrade the dependencies (then `make test`, and commit the file with the results).
constraints:
	rm -rf $(VENV)-constraints
	$(PYTHON) -m venv $(VENV)-constraints
	$(VENV)-constraints/bin/python -m pip install --quiet --upgrade pip
	$(VENV)-constraints/bin/python -m pip install --quiet '.[test]'
	{ echo "# The versions CI tests (pip install -c this file). Made by \`make constraints\`:"; \
	  echo "# pyproject.toml's dependencies and test extra, $$($(VENV)-constraints/bin/python -V)."; \
	  $(VENV)-constraints/bin/python -m pip freeze --exclude lapgate; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf $(VENV)-constraints

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
