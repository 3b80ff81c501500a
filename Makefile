# Entry points of the compendium. `make test` from a fresh clone makes the environment
# (.venv, pinned by constraints.txt), installs Debian's chromium if missing, and runs the suite.

VENV := .venv
PY := $(VENV)/bin/python
# Interpreter that creates the venv: Python 3.11 (the lock's version), else python3.
BASE_PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-n 2 tests/test_frame.py"`.
PYTEST_ARGS ?=

.PHONY: setup book pdf test lab data notebooks chromium r browser clean distclean bench

setup: $(VENV)/.installed

# Stamp: redone only when the pins or the package metadata change. The kernel is
# registered inside the venv (--sys-prefix), so notebooks run with the venv's packages
# whatever other Jupyter installation the machine has.
$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -c constraints.txt -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name barometer --display-name "Python (barometer)"
	touch $@

book: setup
	$(PY) -m barometer.build

# The site and the PDF edition of each book (barometer.pdf), which Debian's chromium prints:
# installed first where missing. `make book` prints the PDFs too where chromium is there, and
# says that it skipped them where it is not.
pdf: setup chromium
	$(PY) -m barometer.build

# Times the build in a temporary folder (naive baseline, cold, no-op, one notebook changed, one
# chapter's words changed, the notebooks alone) and prints the figures and ratios; a measurement,
# not a test (see README).
bench: setup
	$(PY) bench/benchmark.py

# Prints the suite's wall time and exits with pytest's status. Two runs side by side: the stored
# notebooks under nbval, in reading order (chapters.ALL: the readers after the chapters they read),
# one kernel at a time; and tests/ on two workers (pytest-xdist), a test file per worker so that
# the tests sharing a session fixture (cold builds, notebook runs, the built book) share it.
test: setup chromium r
	@start=$$(date +%s); mkdir -p build; \
	notebooks=$$($(PY) -c "from barometer import chapters; print(' '.join(f'notebooks/{c}.ipynb' for c in chapters.ALL))"); \
	$(PY) -m pytest -p no:xdist --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  -p no:cacheprovider $$notebooks > build/nbval.log 2>&1 & nbval=$$!; \
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS); status=$$?; \
	wait $$nbval; nbval_status=$$?; \
	echo "--- stored notebooks (nbval) ---"; tail -n 15 build/nbval.log; \
	end=$$(date +%s); \
	echo "test suite wall time: $$((end - start)) s"; \
	if [ $$status -eq 0 ]; then status=$$nbval_status; fi; \
	exit $$status

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

# Re-executes the notebooks in place (default parameters): the stored outputs nbval compares.
notebooks: setup
	$(PY) -m barometer.rerun

# Regenerates the synthetic survey exports.
data: setup
	$(PY) -m barometer_synth

# The book's browser tests drive Debian's chromium (no browser download by playwright), which also
# prints the PDF edition (in Liberation Sans); the PDF's tests read its text with poppler's pdftotext.
chromium:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	  echo "installing Debian's chromium and poppler-utils (apt-get)"; \
	  $$sudo apt-get update && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-liberation poppler-utils; \
	fi

# tests/test_design.py checks barometer.design against R's survey package (Debian's r-cran-survey).
r:
	@if ! Rscript -e 'library(survey)' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	  echo "installing R and its survey package (apt-get)"; \
	  $$sudo apt-get update && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y r-base-core r-cran-survey; \
	fi

browser: chromium

# Removes what the build and the tests produce; keeps the environment.
clean:
	rm -rf build book/_build data/derived .pytest_cache .hypothesis
	find . \( -path ./$(VENV) -o -path ./.git \) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -prune -exec rm -rf {} +
	find . \( -path ./$(VENV) -o -path ./.git \) -prune -o -type d -name '*.egg-info' -prune -exec rm -rf {} +

# Also removes the environment.
distclean: clean
	rm -rf $(VENV)
