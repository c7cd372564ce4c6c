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
from django.conf import settings
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

    On that loop one group's messages go out one after another, in the order of the changes. A
    group send costs Redis two round trips and about half a millisecond of this process's CPU
    (measured on the booking path, docs/benchmarks.md): a hot slot in a rush would spend a fifth of
    every booking's CPU telling watchers about each place taken. So the changes of one venue-day
    within ``BOOKING_PUSH_COALESCE_MS`` (50) of the first, and any that arrive while a message is
    on its way, go out together as one message, each slot with its latest state: watchers see
    every change within that delay, but a slot's count may move by several places at once.
    """
    if isinstance(layer, InMemoryChannelLayer):
        # Nobody in this process watches the group (always so in a WSGI worker, which serves no
        # WebSocket): its group_send would do nothing, after ``async_to_sync`` started a thread and
        # an event loop for it — an eighth of a booking's time in the booking bench.
        if group in layer.groups:
            async_to_sync(layer.group_send)(group, message)
        return
    with _pending_lock:
        waiting = _pending.setdefault(group, ({}, message["type"]))[0]
        waiting.update((state["id"], state) for state in message["slots"])
        if group in _draining:
            return  # the group's sender takes it with its next message
        _draining.add(group)
    try:
        future = asyncio.run_coroutine_threadsafe(_drain(layer, group), _background_loop())
    except BaseException:
        with _pending_lock:
            _draining.discard(group)
        raise
    future.add_done_callback(_log_failure)


# Group → (slot id → latest state not yet sent, message type); groups whose sender is at work.
_pending: dict[str, tuple[dict[int, dict], str]] = {}
_draining: set[str] = set()
_pending_lock = threading.Lock()


async def _drain(layer, group: str) -> None:
    """Send what waits for ``group`` until nothing does (on the background loop)."""
    window = settings.BOOKING_PUSH_COALESCE_MS / 1000
    while True:
        if window > 0:
            await asyncio.sleep(window)  # let the changes of the next moments join this message
        with _pending_lock:
            waiting = _pending.pop(group, None)
            if waiting is None:
                _draining.discard(group)
                return
        states, kind = waiting
        try:
            await layer.group_send(group, {"type": kind, "slots": list(states.values())})
        except Exception as exc:  # the watchers' next poll catches up; later changes still go out
            logger.error("availability push failed: %r", exc)


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
