"""A per-process memory of slots recently seen sold out, so a rush of refusals costs almost nothing.

When a thousand residents press "book" on ten courts, 990 of them must hear "已约满". The database
decides who gets a place (the conditional UPDATE in ``booking_create``); once a process has seen a
slot full it notes it here — in its own memory and in the shared cache (Redis in production), so the
other server processes learn it too — and further attempts within ``BOOKING_SOLDOUT_CACHE_SECONDS``
are refused without touching the slot's row. The memory only ever *refuses*, never grants: the worst
a stale entry can do is answer "full" for up to that many seconds after a place was freed (a freed
place goes to the waiting list first anyway). Freeing a place clears the shared entry and this
process's entry at once; other processes' own memories lapse within the TTL.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from booking import shared

_lock = threading.Lock()
_until: dict[int, float] = {}
_MAX_ENTRIES = 50_000


def _key(slot_id: int) -> str:
    return f"soldout:{slot_id}"


def _ttl() -> float:
    return float(getattr(settings, "BOOKING_SOLDOUT_CACHE_SECONDS", 0) or 0)


def mark(slot_id: int) -> None:
    ttl = _ttl()
    if ttl <= 0:
        return
    with _lock:
        if len(_until) >= _MAX_ENTRIES:
            now = time.monotonic()
            for key in [k for k, v in _until.items() if v <= now]:
                del _until[key]
            if len(_until) >= _MAX_ENTRIES:
                _until.clear()
        _until[slot_id] = time.monotonic() + ttl
    shared.put(_key(slot_id), ttl)


def clear(slot_id: int | None = None) -> None:
    """Forget a slot (a place was freed), or everything (tests)."""
    with _lock:
        if slot_id is None:
            _until.clear()
        else:
            _until.pop(slot_id, None)
    if slot_id is not None:
        shared.drop(_key(slot_id))


def is_sold_out(slot_id: int) -> bool:
    until = _until.get(slot_id)
    if until is not None:
        if until > time.monotonic():
            return True
        _until.pop(slot_id, None)
    ttl = _ttl()
    if ttl <= 0 or not shared.has(_key(slot_id)):
        return False
    with _lock:
        _until[slot_id] = time.monotonic() + ttl
    return True

