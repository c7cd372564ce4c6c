"""Live availability: clients watching a venue and a date get slot changes over WebSocket.

Writers call :func:`availability_changed` inside their transaction; the message is sent to the
channel-layer group only after commit (a rolled-back booking pushes nothing). A failing channel
layer never fails the booking: it is logged and the client's next poll catches up.
"""

from __future__ import annotations

import datetime as dt
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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
            async_to_sync(layer.group_send)(group_name(venue_id, date), message)
    except Exception:
        logger.exception("availability push for venue %s failed", venue_id)
