# Everything a fresh machine with Python 3.11+ needs: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_WORKERS ?= 2

.PHONY: run test lint format screenshots bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Talk needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/talkapp

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py docs/screenshots

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

# The desktop packages (packaging/README.md): dist/talkapp/ (a frozen one-folder
# bundle), its tarball and a .deb. PyInstaller comes from the `package` extra,
# installed here only, so `make test` stays lean. Rebuilt when a source changes.
.PHONY: package package-check
PACKAGE_STAMP := $(VENV)/.package-$(shell cksum pyproject.toml | cut -d' ' -f1)
PACKAGE_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
DEB := dist/talkapp_$(PACKAGE_VERSION)_$(shell dpkg --print-architecture 2>/dev/null || echo amd64).deb
PACKAGE_SOURCES := pyproject.toml LICENSE $(shell find talkapp resources packaging -type f \
	! -name '*.pyc' ! -name '*.md' 2>/dev/null)

$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[package]'
	rm -f $(VENV)/.package-*
	touch $(PACKAGE_STAMP)

$(DEB): $(PACKAGE_STAMP) $(PACKAGE_SOURCES)
	bash packaging/build.sh

package: $(DEB)

# Runs the frozen app (--version, a command, a long sync, the GUI offscreen) and
# checks the .deb.
package-check: $(DEB)
	bash packaging/check.sh
