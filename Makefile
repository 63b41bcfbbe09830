# Two commands: `make run` and `make test`. Both build .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv messages lint migrations-check clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Translations (ADR 0010): locale/*/LC_MESSAGES/django.po compiled to the git-ignored .mo.
# gettext's msgfmt when installed, else the same compile in pure Python (polib).
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore .venv --ignore var --verbosity 0; \
	else \
		$(BIN)/python -m portal.catalogue; \
	fi

# The Celery worker (with beat embedded: the deadline sweep every five minutes) runs in the
# background while the server runs, and stops with it. Broker: Redis when REDIS_URL is set,
# else a folder under var/ (no server needed).
WORKER_LOG ?= $(or $(PORTAL_VAR_DIR),var)/celery-worker.log

# Links in e-mails and the printed demo logins use the address the server is started at.
run: export PORTAL_SITE_URL ?= http://$(HOST):$(PORT)
run: venv messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py sweep_deadlines  # what is due now; then beat sweeps every 5 minutes
	@mkdir -p "$(dir $(WORKER_LOG))"
	@echo "Celery worker with beat started in the background (reminders, escalations); log: $(WORKER_LOG)"
	@$(BIN)/celery -A portal worker --beat --concurrency 1 --loglevel info --logfile "$(WORKER_LOG)" & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

test: venv messages lint migrations-check
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
