"""The booking lane: a plain booking made in two statements, ahead of the fast path (PostgreSQL).

In a rush, or at the hour courts are released, nearly every booking attempt is the same: a valid
token of a verified resident, ``{"slot": id}``, a slot that is open with places left. The fast
path (``booking.fast``) answers it with the view's own calls, which read the user, then the slot,
then book: three round trips, with models built from each row. The lane does the same booking with
two prepared statements and no models (in one process, a third less Python per booking;
docs/benchmarks.md):

1. one row holding the token's user (and whether its session was ended by logout) and the slot
   with its venue and court;
2. ``booking_book`` — the same function, the same locks, limits, conditional decrement, insert
   and Idempotency-Key claim as every booking on PostgreSQL (``actions.book_row``) — with the
   answer rendered by the same ``api.booking_body`` and stored under the key in that statement.

It takes only the attempts it can see will be booked: anything else returns ``PASS`` (None) having
written nothing, and the fast path answers it from the start, exactly as before — a missing,
inactive or logged-out user, no real-name verification, a slot that is unknown, not open, outside
its window, too small for the party or full, a bad key. ``booking_book`` still decides places,
window, state, limits and suspension; when it refuses after claiming the request's key, the lane
returns ``Claimed`` and the fast path answers the refusal under that key (``idempotently(claimed=)``).
So every refusal is still said by ``booking_create``, in one place. The lane only books.

Not on SQLite (no ``booking_book``), nor with ``BOOKING_LANE = False``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from psycopg.types.json import Jsonb
from rest_framework.renderers import JSONRenderer
from rest_framework_simplejwt.settings import api_settings

from booking import actions, api, queries
from booking.models import Booking, BookingStatus, Court, Venue
from portal.accounts.tokens import session_of
from portal.core.converters import MAX_ID
from portal.core.idempotency import IdempotencyKeyInvalid, KeyTaken, claim_of
from portal.core.prepared import prepared_cursor

_renderer = JSONRenderer()

# The token's user — with ``EXISTS`` on the sessions ended by logout, as ``BearerAuthentication``
# reads it — and the slot with what booking it needs of its venue and court, in one row.
_READ = """
SELECT u.is_active, u.realname_verified_at,
       EXISTS (SELECT 1 FROM accounts_revokedsession r WHERE r.sid = %s),
       s.state, s.start, s."end", s.opens_at, s.capacity, s.remaining, s.price, s.sport, s.venue_id, s.court_id,
       v.kind, v.status, v.name, v.address, v.town, v.phone, v.cancel_deadline_minutes, v.checkin_before_minutes,
       v.checkin_after_minutes, v.max_active_per_resident, v.max_per_day_per_resident, v.max_per_venue_per_day,
       c.name, c.unit, c.max_party_size
  FROM accounts_user u, booking_slot s
  JOIN booking_venue v ON v.id = s.venue_id
  JOIN booking_court c ON c.id = s.court_id
 WHERE u.id = CAST(%s AS bigint) AND s.id = CAST(%s AS bigint)
"""


@dataclass(frozen=True, slots=True)
class Booked:
    """Booked: the 201's body, as DRF renders it."""

    content: bytes


@dataclass(frozen=True, slots=True)
class Claimed:
    """Refused by ``booking_book`` after it claimed the request's key (row ``key_id``): nothing else
    was written, and the refusal is to be answered under that key."""

    key_id: int


PASS = None  # not the lane's to answer; nothing was written


def enabled() -> bool:
    return (connection.vendor == "postgresql" and getattr(settings, "BOOKING_LANE", True)
            and api_settings.USER_ID_FIELD == "id" and not api_settings.CHECK_REVOKE_TOKEN)


def book(*, token, data: dict, args: dict, key: str, path: str) -> Booked | Claimed | None:
    """Book ``args`` (``api.plain_booking_input``) for the user of ``token`` (simplejwt's validated
    token), or say why not (``Claimed``, or None — ``PASS``)."""
    subject = token.get(api_settings.USER_ID_CLAIM)  # simplejwt writes the id as a string
    if not (type(subject) is int or (type(subject) is str and subject.isdigit())):
        return PASS
    user_id, slot_id, party_size = int(subject), args["slot"], args["party_size"]
    if not (0 < user_id <= MAX_ID and 0 < slot_id <= MAX_ID):  # no such rows, and too large to send
        return PASS
    if key:
        try:
            claim = claim_of(user_id=user_id, key=key, method="POST", path=path, data=data)
        except IdempotencyKeyInvalid:
            return PASS
    else:
        claim = None
    try:
        with prepared_cursor() as cursor:
            cursor.execute(_READ, [session_of(token), user_id, slot_id])
            row = cursor.fetchone()
    except DatabaseError:  # a dead connection, say: the fast path's own read meets it and gives way to Django
        return PASS
    if row is None:
        return PASS
    (active, verified_at, revoked, state, start, end, opens_at, capacity, remaining, price, sport, venue_id, court_id,
     kind, venue_status, venue_name, address, town, phone, cancel_deadline, checkin_before, checkin_after,
     max_active, max_day, max_venue_day, court_name, unit, max_party_size) = row
    now = timezone.now()
    units = Court.units_as(unit=unit, party_size=party_size)
    if (revoked or not active or verified_at is None  # BearerAuthentication, booking_create
            # _check_slot_open_for_booking: the venue takes bookings, the slot is open and in its window
            or not Venue.bookable_as(kind=kind, status=venue_status)
            or not queries.slot_bookable_as(state=state, remaining=remaining, opens_at=opens_at, start=start,
                                            now=now)
            or party_size > max_party_size  # party_check
            or remaining < units):
        return PASS
    tz = timezone.get_current_timezone()
    booking_id = actions.new_booking_id()
    checkin_closes_at = start + dt.timedelta(minutes=checkin_after)
    content = _renderer.render(api.booking_body(
        booking_id=booking_id, status=BookingStatus.CONFIRMED, status_display=str(BookingStatus.CONFIRMED.label),
        party_size=party_size, places=units, companions=[], slot_id=slot_id, start=start, end=end, sport=sport,
        price=price, court_id=court_id, court_name=court_name, venue_id=venue_id, venue_name=venue_name,
        address=address, town=town, phone=phone, cancel_deadline_minutes=cancel_deadline,
        checkin_before_minutes=checkin_before, starts_at=start, checkin_closes_at=checkin_closes_at,
        checked_in_at=None, created_at=now, cancelled_at=None, cancelled_by_venue=False, now=now, tz=tz))
    try:
        *_counts, left, booked, key_id = actions.book_row(
            resident_id=user_id, slot_id=slot_id, venue_id=venue_id, units=units, now=now,
            local_day=start.astimezone(tz).date(), max_active=max_active, max_day=max_day,
            max_venue_day=max_venue_day, booking_id=booking_id, party_size=party_size, companions=[],
            starts_at=start, ends_at=end, checkin_closes_at=checkin_closes_at,
            checkin_secret=Booking._meta.get_field("checkin_secret").get_default(), claim=claim,
            key_status=201 if claim else None, key_body=Jsonb(content.decode(), dumps=_as_is) if claim else None)
    except (DatabaseError, KeyTaken):  # lock timeout, a backstop, the key taken meanwhile: nothing written
        return PASS
    if booked is None:
        return Claimed(key_id) if key_id is not None else PASS  # no key id with a key: a repeat
    actions.booked_places_told(slot_id=slot_id, venue_id=venue_id, left=left, capacity=capacity, state=state,
                               opens_at=opens_at, start=start, now=now)
    return Booked(content)


def _as_is(text: str) -> str:
    return text
