"""WebSocket ``/ws/venues/<id>/availability/?date=YYYY-MM-DD``: live availability of one venue and
date. Anonymous clients may watch (availability is public). On connect the client gets the day's
slots; afterwards ``{"type": "availability", "slots": [{"id", "remaining", "capacity", "state",
"bookable"}]}`` whenever a booking, cancellation, offer or block changes them (with the Redis
layer, the changes of one venue-day within ``BOOKING_PUSH_COALESCE_MS`` in one message: each slot's
latest state, booking/realtime.py). The client may send
``{"date": "YYYY-MM-DD"}`` to watch another day."""

from __future__ import annotations

import datetime as dt
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Venue
from booking.realtime import group_name
from portal.core.ws import in_language, language_of


def _parse_date(value) -> dt.date | None:
    """The date a client asked for, None when it is not a YYYY-MM-DD in the API's calendar."""
    from booking import queries

    if not value:
        return timezone.localdate()
    try:
        date = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return date if queries.in_calendar(date) else None


@database_sync_to_async
def _snapshot(venue_id: int, date: dt.date) -> list[dict] | None:
    from booking import api, queries

    if not Venue.objects.filter(pk=venue_id).exists():
        return None
    now = timezone.now()
    return [api.slot_out(s, now) for s in queries.slots_for_venue(venue_id=venue_id, date=date)]


class AvailabilityConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        self.language = language_of(self.scope)  # of every error frame on this connection
        self.venue_id = int(self.scope["url_route"]["kwargs"]["venue_id"])
        query = dict(p.split("=", 1) for p in self.scope.get("query_string", b"").decode().split("&") if "=" in p)
        date = _parse_date(query.get("date"))
        await self.accept()
        if date is None:
            await self.send_json(self._error("invalid", _("日期格式应为 YYYY-MM-DD。")))
            await self.close(code=4400)
            return
        await self._watch(date)

    async def _watch(self, date: dt.date) -> None:
        slots = await _snapshot(self.venue_id, date)
        if slots is None:
            await self.send_json(self._error("venue_not_found", _("没有找到这个场馆。")))
            await self.close(code=4404)
            return
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        self.group = group_name(self.venue_id, date)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "snapshot", "venue": self.venue_id, "date": date.isoformat(), "slots": slots})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Any frame that is not JSON text gets the same polite refusal as a bad date (channels'
        own ``receive`` raises on it, which drops the connection)."""
        try:
            content = json.loads(text_data) if text_data is not None else None
        except (ValueError, RecursionError):
            content = None
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        date = _parse_date(content.get("date")) if isinstance(content, dict) else None
        if date is None:
            await self.send_json(self._error("invalid", _("日期格式应为 YYYY-MM-DD。")))
            return
        await self._watch(date)

    def _error(self, code: str, message) -> dict:
        """An error frame, its sentence in the language of the handshake."""
        return {"type": "error", "error": {"code": code, "message": in_language(self.language, message)}}

    async def disconnect(self, code) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def availability_changed(self, event: dict) -> None:
        await self.send_json({"type": "availability", "slots": event["slots"]})
