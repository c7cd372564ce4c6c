"""Live availability: clients watching a venue and a date get slot changes over WebSocket.

Writers call :func:`availability_changed` inside their transaction; the message is sent to the
channel-layer group only after commit (a rolled-back booking pushes nothing). A failing channel
layer never fails the booking: it is logged and the client's next poll catches up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def group_name(venue_id: int, date: dt.date) -> str:
    return f"venue.{venue_id}.{date.isoformat()}"


def availability_changed(*, venue_id: int, slot_ids: list[int], states: list[dict] | None = None) -> None:
    """Queue an availability push for these slots after commit. ``states`` (as from
    ``queries.slot_states``) saves the read when the caller already knows them."""
    ids = list(slot_ids)
    transaction.on_commit(lambda: _push(venue_id, ids, states))


def _push(venue_id: int, slot_ids: list[int], states: list[dict] | None) -> None:
    from booking.queries import slot_states

    try:
        layer = get_channel_layer()
        if layer is None:
            return
        now = timezone.now()
        by_date: dict[dt.date, list[dict]] = {}
        for state in states if states is not None else slot_states(slot_ids=slot_ids, now=now):
            state = dict(state)
            by_date.setdefault(state.pop("_date"), []).append(state)
        for date, slots in by_date.items():
            message = {"type": "availability.changed", "slots": slots}
            _send(layer, group_name(venue_id, date), message)
    except Exception:
        logger.exception("availability push for venue %s failed", venue_id)


def _send(layer, group: str, message: dict) -> None:
    """Hand the message to the layer without making the request wait for Redis.

    ``async_to_sync`` would start an event loop (and a fresh Redis connection) per call, several
    milliseconds on every booking; a network layer instead gets one long-lived loop per process
    that keeps its connection pool. The in-memory layer (embedded mode, tests) lives on the
    caller's loop, so it keeps the plain call.
    """
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
        return
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _background_loop())
    future.add_done_callback(_log_failure)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("availability push failed: %r", future.exception())


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="availability-push", daemon=True).start()
            _loop = loop
        return _loop
