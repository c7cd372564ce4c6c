"""Tiny shared key/value helpers for the rush path (sold-out slots).

With ``REDIS_URL`` they talk to Redis through one client per process: Django's Redis cache builds
a new client object for every call (half a millisecond of Python each, measured), too much on a
path that answers a thousand refusals a second. Without Redis (embedded mode, one process) they
use Django's local-memory cache. Keys are namespaced by database so that two deployments or test
runs sharing a Redis never see each other's entries. Every helper swallows errors: these entries
are an optimisation, and callers fall back to the exact path when they find nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
_client = None


def _redis():
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _client


def _key(name: str) -> str:
    return f"booking:{settings.DATABASES['default'].get('NAME', '')}:{name}"


def put(name: str, ttl_seconds: float, value: str = "") -> None:
    try:
        client = _redis()
        if client is not None:
            client.set(_key(name), value.encode(), px=max(1, int(ttl_seconds * 1000)))
        else:
            cache.set(_key(name), value, timeout=ttl_seconds)
    except Exception as exc:
        logger.warning("shared put failed: %r", exc)


def get(name: str) -> str | None:
    """The value, or None when absent or when the store could not be asked."""
    try:
        client = _redis()
        if client is not None:
            raw = client.get(_key(name))
            return None if raw is None else raw.decode()
        return cache.get(_key(name))
    except Exception as exc:
        logger.warning("shared lookup failed: %r", exc)
        return None


def drop(name: str) -> None:
    try:
        client = _redis()
        if client is not None:
            client.delete(_key(name))
        else:
            cache.delete(_key(name))
    except Exception as exc:
        logger.warning("shared delete failed: %r", exc)
