# nof1: two commands on a fresh machine - `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test test-postgres lint bench reference clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# WeasyPrint draws the PDF reports with the system's Pango (Debian: libpango-1.0-0, libpangoft2).
PANGO := ldconfig -p | grep -q libpangoft2-1.0
PANGO_INSTALL := apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0

## run: the demo analyses and reports, then the web app with demo accounts and trials at
## http://127.0.0.1:8000
run: $(STAMP)
	$(PANGO) || ($(PANGO_INSTALL))
	$(VENV)/bin/nof1 demo
	NOF1_DEBUG=1 $(VENV)/bin/nof1 web migrate --verbosity 0
	NOF1_DEBUG=1 $(VENV)/bin/nof1 web seed_demo
	NOF1_DEBUG=1 $(VENV)/bin/nof1 serve

## test: every test (unit, property, coverage, reference against stored R output, web on
## SQLite, browser tests in Debian's chromium; PDF pages drawn by poppler's pdftoppm; both
## installed here when missing)
test: $(STAMP)
	$(PANGO) || ($(PANGO_INSTALL))
	command -v chromium >/dev/null && command -v pdftoppm >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq chromium poppler-utils)
	$(PY) -m pytest -n 2 -q

## test-postgres: the web tests again against PostgreSQL (127.0.0.1:5432, user postgres, db test)
test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
		$(PY) -m pytest -n 2 -q tests/web

## lint: ruff and mypy on the core
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

## bench: speed and agreement against PyMC and NumPyro (and R nlme/JAGS when installed)
bench: $(BENCH_STAMP)
	$(PY) benchmarks/run_all.py

## reference: recompute the stored R reference output (needs Debian r-base-core r-cran-nlme jags r-cran-rjags)
reference: $(STAMP)
	cd tests/reference && Rscript nlme_reference.R && Rscript jags_reference.R

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
