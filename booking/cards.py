"""Chat cards for the booking skills (``booking/skills.py``): plain dicts in the contract's card
shape ``{"type", "id", "title", ...}`` built from what ``queries``/``actions`` return, so a skill
is three lines: call the query or action, turn the result into cards, reply.

    found = queries.slots_available(sport=slots["sport"], date=date.fromisoformat(slots["date"]), ...)
    cards = [cards.slot_card(slot, distance) for slot, distance in found[:5]]
    booking = actions.booking_create(resident=turn.user, slot_id=chosen)   # refusals: booking.errors.*
    cards = [cards.booking_card(booking)]
"""

from __future__ import annotations

from django.utils import timezone

from booking import queries
from booking.models import Booking, Slot


def _hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def venue_card(hit: queries.VenueHit) -> dict:
    v = hit.venue
    parts = [v.town]
    if hit.distance_m is not None:
        parts.append(f"{round(hit.distance_m)} 米")
    parts.append("开放中" if hit.open_now else "未开放")
    if hit.free_places_today is not None:
        parts.append(f"今日余 {hit.free_places_today}")
    elif not v.bookable:
        parts.append("免费·无需预约")
    return {"type": "venue", "id": v.pk, "title": v.name, "subtitle": " · ".join(parts), "address": v.address,
            "distance_m": round(hit.distance_m) if hit.distance_m is not None else None, "open_now": hit.open_now,
            "free_places_today": hit.free_places_today, "bookable": v.bookable, "sports": v.sports}


def slot_card(slot: Slot, distance_m: float | None = None) -> dict:
    start = timezone.localtime(slot.start)
    title = f"{slot.venue.name} {slot.court.name} {start:%m月%d日} {_hhmm(slot.start)}-{_hhmm(slot.end)}"
    return {"type": "slot", "id": slot.pk, "title": title, "venue_id": slot.venue_id, "sport": slot.sport,
            "start": start.isoformat(), "end": timezone.localtime(slot.end).isoformat(),
            "remaining": slot.remaining, "price": str(slot.price),
            "distance_m": round(distance_m) if distance_m is not None else None}


def booking_card(booking: Booking) -> dict:
    slot = booking.slot
    start = timezone.localtime(booking.starts_at)
    when = f"{start:%m月%d日} {_hhmm(booking.starts_at)}-{_hhmm(booking.ends_at)}"
    title = f"{booking.venue.name} {slot.court.name} {when}"
    return {"type": "booking", "id": booking.pk, "title": title, "status": booking.status,
            "status_display": booking.get_status_display(), "party_size": booking.party_size,
            "slot": slot.pk, "venue_id": booking.venue_id,
            "start": start.isoformat(), "checkin_token_url": f"/api/v1/bookings/{booking.pk}/checkin-token/"}
