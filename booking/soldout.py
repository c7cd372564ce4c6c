"""Slots recently seen sold out, so that a rush of refusals costs almost nothing.

When a thousand residents press "book" on ten courts, 990 of them must hear "已约满". The database
decides who gets a place (the conditional UPDATE in ``booking_create``); once a process has seen a
slot full it notes it in the shared store (Redis in production, ``booking.shared``) for
``BOOKING_SOLDOUT_CACHE_SECONDS`` (30) and in its own memory for at most ``LOCAL_SECONDS`` (1), and
further attempts are refused by the gate in front of the API view without touching the slot's row.

The memory only ever *refuses*, never grants. Freeing a place (cancellation, an expired offer,
unblocking) deletes the shared entry and this process's entry when it commits; other processes stop
refusing within ``LOCAL_SECONDS``. A freed place goes to the waiting list first anyway.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from booking import shared

_lock = threading.Lock()
_until: dict[int, float] = {}
_MAX_ENTRIES = 50_000
LOCAL_SECONDS = 1.0


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
        _until[slot_id] = time.monotonic() + min(ttl, LOCAL_SECONDS)
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
        _until[slot_id] = time.monotonic() + min(ttl, LOCAL_SECONDS)
    return True

