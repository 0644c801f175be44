# DockPulse: `make run` starts the product, `make test` runs the suite.
# Both work on a fresh clone: they create .venv and, with no DATABASE_URL / REDIS_URL,
# start an embedded PostgreSQL 16 and Redis under var/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES := $(BIN)/python -m dockpulse.devservices

CHROMIUM := /usr/bin/chromium
# Two workers (pytest-xdist; each its own test databases and Redis db: conftest.py), a
# test file's tests on one worker (its browser and fixtures are set up once). PYTEST_ARGS=
# (empty) runs in one process, e.g. `make test PYTEST_ARGS="-x tests/test_routing.py"`.
PYTEST_ARGS ?= -n 2 --dist loadfile -m "not chaos"
# Then the chaos tests (killed processes, a restarted PostgreSQL, a stopped Redis), on
# their own: beside the browser tests they would take the cores those need on time, and
# each runs a whole stack of processes itself. CHAOS_ARGS= (empty) leaves them out.
CHAOS_ARGS ?= -p no:xdist -m chaos

.PHONY: install browser pdf-libs run manage test lint typecheck format messages clean bench

install: $(STAMP) pdf-libs

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 12) else "DockPulse needs Python 3.11 or 3.12 (set PYTHON=python3.12)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local,test,dev]'
	touch $(STAMP)

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "No $(CHROMIUM): browser tests will be skipped (sudo apt-get install chromium)."; fi; }

# The PDF documents (WeasyPrint) need Pango >= 1.44 and HarfBuzz's subsetter as system
# libraries. Without them the product still runs; the PDF links say why there is none.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

pdf-libs:
	@missing=""; for lib in $(PDF_LIBS); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' $$lib 2>/dev/null | grep -q '^ii' || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      || echo "Could not install$$missing -- PDF documents will be unavailable."; \
	  else echo "Not installed:$$missing -- PDF documents will be unavailable (sudo apt-get install$$missing)."; fi; \
	fi

run: install
	$(SERVICES) run

test: install browser
	$(SERVICES) --data var/test-services exec -- $(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n '$(CHAOS_ARGS)' ]; then \
	  $(SERVICES) --data var/test-services exec -- $(BIN)/pytest $(CHAOS_ARGS); fi

# Any manage.py command against make run's databases, e.g. make manage ARGS="list_tenants".
manage: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(SERVICES) exec -- $(BIN)/python manage.py $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# mypy's Django plugin loads the settings but never connects.
typecheck: install
	DJANGO_DEBUG=1 DATABASE_URL=postgresql://localhost/dockpulse_platform $(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	$(SERVICES) exec -- $(BIN)/python manage.py makemessages -l pl --ignore=.venv --ignore=var
	$(SERVICES) exec -- $(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	$(BIN)/python bench/provisioning.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/migrate_tenants.py --tenants 200
	$(BIN)/python bench/events.py --tenants 100 --events 5000 --rates 0,300
	$(BIN)/python bench/pages.py

clean:
	rm -rf var/test-services
