"""Suite-wide set-up.

- ``REQUIRE_SERVICES=1`` (CI): the run must be on PostgreSQL and Redis; anything else fails.
- ``@pytest.mark.postgres`` / ``@pytest.mark.redis``: skip with a reason when the service is not
  what this run uses or does not answer — unless REQUIRE_SERVICES=1, then fail.
- Every test starts with an empty cache (rate-limit counters, SMS codes) and eager Celery.
- ``TEST_TRAVEL_TO=2026-11-24T23:50:00+08:00``: every test runs with the clock moved there (and
  ticking; ``time-machine``), to catch what only fails at some hour — a slot "later today" that falls
  on tomorrow after 22:00, a "same day" that is not (CI runs the booking and chat tests at 23:50).
  Only this process's clock moves: tests whose servers are other processes (the HTTP rush) do not fit.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_answers() -> str | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at REDIS_URL does not answer ({exc.__class__.__name__})"
    return None


def _postgres_problem() -> str | None:
    from django.conf import settings

    if settings.DB_VENDOR != "postgresql":
        return "DATABASE_URL is not PostgreSQL (this run uses SQLite)"
    return None


def pytest_sessionstart(session):
    if not REQUIRE_SERVICES:
        return
    import django

    django.setup()
    problems = [p for p in (_postgres_problem(), _redis_answers()) if p]
    if problems:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but: " + "; ".join(problems))


def pytest_collection_modifyitems(config, items):
    import django

    django.setup()
    reasons = {
        "postgres": _postgres_problem(),
        "redis": _redis_answers(),
        "e2e": None if os.environ.get("E2E") == "1" else "browser tests run with `make e2e` (E2E=1)",
    }
    for item in items:
        for marker, reason in reasons.items():
            # Under REQUIRE_SERVICES=1 pytest_sessionstart has already refused such a run.
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def _forget_process_memories() -> None:
    """Per-process memories keyed by row ids, which the next test's database reuses: the catalogue
    search index and the sold-out slots."""
    from booking import soldout
    from services import search

    search.reset()
    soldout.clear()


@pytest.fixture(autouse=True)
def _clean_cache_and_eager_celery():
    from django.core.cache import cache

    from portal.celery import app

    cache.clear()
    _forget_process_memories()
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    cache.clear()
    _forget_process_memories()


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _clock_moved():
    """The clock moved to ``TEST_TRAVEL_TO`` for the test, when set."""
    at = os.environ.get("TEST_TRAVEL_TO")
    if not at:
        yield
        return
    import time_machine

    with time_machine.travel(at, tick=True):
        yield
