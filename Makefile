# Two commands on a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := .make
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint typecheck benchmarks messages worker clean

$(STAMP):
	mkdir -p $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pins change.
$(STAMP)/python: requirements.lock pyproject.toml | $(PY) $(STAMP)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

$(STAMP)/system: scripts/system-packages.sh | $(STAMP)
	scripts/system-packages.sh
	touch $@

$(STAMP)/browser: scripts/system-packages.sh | $(STAMP)
	scripts/system-packages.sh --with-browser
	touch $@

setup: $(STAMP)/system $(STAMP)/python

# Absolute links, QR codes and DIDs name the address the platform is served on, unless set.
run: export LABEL_PUBLIC_HOST ?= $(HOST):$(PORT)
run: export PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/  (tasks run in-process, e-mail goes to this console)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup $(STAMP)/browser
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy .

messages: setup
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=benchmarks
	$(PY) manage.py compilemessages --ignore=.venv

benchmarks: setup
	$(PY) benchmarks/footprint_bench.py

worker: setup
	$(VENV)/bin/celery -A config worker --loglevel=info

clean:
	rm -rf $(STAMP) db.sqlite3 media staticfiles
