# Two commands on a fresh machine:  `make build` (set up, build the sample book)  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: build test test-fast golden bench setup system-deps clean

build: setup
	$(BIN)/bookforge build

# One test process per core (pytest-xdist); each test file stays in one process, so a module's book is built once.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# The loop while you work (a few minutes): every test but those marked slow (EPUBCheck, Ace, kill loops, long books).
test-fast: setup
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow" $(PYTEST_ARGS)

# After a deliberate template change: rewrite tests/golden/ from the rendering, then review `git diff tests/golden`.
golden: setup
	$(BIN)/python -m pytest -q tests/render/test_golden.py --update-golden

# Issue 18's speed goals as ratios in one run (bench/goals.py: EPUB against Pandoc 3 and the floor; --jobs 2 / --jobs 1
# per book, against Pandoc -> WeasyPrint and Typst; edits and 4x the content).
bench: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/goals.py

setup: system-deps $(VENV)/.installed node_modules/.installed

system-deps:
	@scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# DAISY Ace, the EPUB accessibility checker, pinned by package-lock.json. Puppeteer's browser download is off
# (.puppeteerrc.cjs, --ignore-scripts): Ace drives Debian's chromium.
node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

clean:
	rm -rf build
