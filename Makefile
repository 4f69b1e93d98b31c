# QC Portal. `make demo` and `make test` work from a fresh clone; everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format setup assets messages serve stack stack-stop bench screenshots clean

demo: setup ## set up everything, seed the demo bank and serve it on http://127.0.0.1:8000
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_demo
	@echo ""
	@echo "QC Portal: http://$(HOST):$(PORT)/  (demo logins: see README.md; password QcDemo#2026)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: setup ## run the test suite (SQLite by default; PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

setup: $(VENV)/.installed node_modules/.installed messages var ## venv, pinned packages, front-end assets, translations

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

var:
	mkdir -p var

# Compiled catalogues are build output (.gitignore): rebuilt whenever a .po file changes.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard */locale/*/LC_MESSAGES/django.po))
messages: $(MO_FILES)
%.mo: %.po
	msgfmt --check-format -o $@ $<

serve: setup
	$(MANAGE) runserver $(HOST):$(PORT)

stack: setup ## production topology natively: gunicorn + Celery worker + beat (needs DATABASE_URL etc.)
	bin/stack start

stack-stop:
	bin/stack stop

bench: setup ## bank-scale benchmarks against PostgreSQL (not part of make test)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules staticfiles var

SHOT_PORT ?= 8799
SHOT_ARGS ?=
screenshots: setup ## regenerate docs/screenshots/ from the demo bank in headless Chromium (SHOT_ARGS="--only x.png")
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:$(SHOT_PORT) --noreload >var/screenshots-server.log 2>&1 & echo $$! >var/screenshots-server.pid; \
	up=0; for i in $$(seq 1 100); do curl -fsS http://127.0.0.1:$(SHOT_PORT)/healthz >/dev/null 2>&1 && up=1 && break; sleep 0.2; done; \
	if [ $$up = 1 ]; then $(PY) bin/screenshots.py --base http://127.0.0.1:$(SHOT_PORT) $(SHOT_ARGS); status=$$?; \
	else echo "the portal did not start; see var/screenshots-server.log"; status=1; fi; \
	kill $$(cat var/screenshots-server.pid); rm -f var/screenshots-server.pid; exit $$status
