# The newcomer's whole set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv messages setup run test lint run-prod check-run check-prod e2e clean

$(BIN)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

venv: $(BIN)/.installed

# Translations (English) are compiled from locale/*.po; GNU gettext's msgfmt does it when present.
messages: venv
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; \
	else echo "msgfmt not found (apt-get install gettext): English messages fall back to Chinese"; fi

setup: messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py setup_portal

# One ASGI process serving HTTP and WebSocket (embedded default: SQLite, in-memory layer, eager Celery).
run: setup
	exec $(BIN)/uvicorn portal.asgi:application --host $(HOST) --port $(PORT) --lifespan off \
		--ws-max-size 65536 --no-server-header

test: messages
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production topology on one host: granian (WSGI) for REST, uvicorn (ASGI) for WebSocket, a Celery
# worker and beat. Needs DATABASE_URL and REDIS_URL; put deploy/nginx.conf in front. docs/deployment.md.
run-prod: messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py setup_portal
	exec $(BIN)/honcho -f Procfile start

# Start `make run` (twice: demo data idempotent) / `make run-prod` and check they answer (CI runs both).
check-run: venv
	$(BIN)/python scripts/check_serving.py run

check-prod: venv
	$(BIN)/python scripts/check_serving.py prod

# Browser tests: Playwright driving Debian's chromium (never a downloaded browser).
e2e: messages
	@command -v chromium >/dev/null || (apt-get install -y -q chromium >/dev/null)
	E2E=1 $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
