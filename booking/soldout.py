"""Slots recently seen sold out, so that a rush of refusals costs almost nothing.

When a thousand residents press "book" on ten courts, 990 of them must hear "已约满". The database
decides who gets a place (the conditional UPDATE in ``booking_create``); once a process has seen a
slot full it notes it in the shared store (Redis in production, ``booking.shared``) for
``BOOKING_SOLDOUT_CACHE_SECONDS`` (30) and in its own memory for at most ``LOCAL_SECONDS`` (1), and
further attempts are refused by the gate (``booking.gate``, in front of the WSGI application)
without touching the slot's row.

The memory only ever *refuses*, never grants. Freeing a place (cancellation, an expired offer,
unblocking) deletes the shared entry and this process's entry when it commits; other processes stop
refusing within ``LOCAL_SECONDS``. A freed place goes to the waiting list first anyway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from django.conf import settings

from booking import shared

_lock = threading.Lock()
# slot id → (local expiry, residents who had booked it when it was seen full, or
# None: a booking in this process just left plenty of places, ``note_places_left``). The None
# entries spare a popular session one Redis round trip per booking; they only ever send attempts
# to the exact path, which notes the slot full the moment it sees it so.
_entries: dict[int, tuple[float, frozenset[int] | None]] = {}
PLENTY = 20
_MAX_ENTRIES = 50_000
LOCAL_SECONDS = 1.0
MAX_HOLDERS = 500


def _key(slot_id: int) -> str:
    return f"soldout:{slot_id}"


def _ttl() -> float:
    return float(getattr(settings, "BOOKING_SOLDOUT_CACHE_SECONDS", 0) or 0)


def _remember(slot_id: int, holders: frozenset[int] | None, ttl: float) -> None:
    with _lock:
        if len(_entries) >= _MAX_ENTRIES:
            now = time.monotonic()
            for key in [k for k, (until, _) in _entries.items() if until <= now]:
                del _entries[key]
            if len(_entries) >= _MAX_ENTRIES:
                _entries.clear()
        _entries[slot_id] = (time.monotonic() + min(ttl, LOCAL_SECONDS), holders)


def mark(slot_id: int, holders: Iterable[int]) -> None:
    """Note that ``slot_id`` is full; ``holders`` are the residents who booked it (they are not
    refused here: their request may be a retry whose booking must be replayed)."""
    ttl = _ttl()
    holders = frozenset(holders)
    if ttl <= 0 or len(holders) > MAX_HOLDERS:
        return
    _remember(slot_id, holders, ttl)
    shared.put(_key(slot_id), ttl, ",".join(str(h) for h in sorted(holders)))


def note_places_left(slot_id: int, left: int) -> None:
    """A booking in this process left ``left`` places: with plenty left, the gate need not ask the
    shared store about this slot for ``LOCAL_SECONDS`` (attempts take the exact path)."""
    ttl = _ttl()
    if ttl > 0 and left >= PLENTY:
        _remember(slot_id, None, ttl)


def clear(slot_id: int | None = None) -> None:
    """Forget a slot (a place was freed), or everything (tests)."""
    with _lock:
        if slot_id is None:
            _entries.clear()
        else:
            _entries.pop(slot_id, None)
    if slot_id is not None:
        shared.drop(_key(slot_id))


def _holders(slot_id: int) -> frozenset[int] | None:
    """The holders if the slot is known full, else None."""
    entry = _entries.get(slot_id)
    if entry is not None:
        if entry[0] > time.monotonic():
            return entry[1]  # None: asked the shared store less than LOCAL_SECONDS ago, not full
        _entries.pop(slot_id, None)
    ttl = _ttl()
    if ttl <= 0:
        return None
    value = shared.get(_key(slot_id))
    if value is None:
        return None
    holders = frozenset(int(h) for h in value.split(",") if h)
    _remember(slot_id, holders, ttl)
    return holders


def is_sold_out(slot_id: int) -> bool:
    return _holders(slot_id) is not None


def refuses(slot_id: int, resident_id: int) -> bool:
    """Whether an attempt by this resident on this slot can be refused without looking further."""
    holders = _holders(slot_id)
    return holders is not None and resident_id not in holders
