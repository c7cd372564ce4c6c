"""Booking use cases. Each function changes state in one transaction and returns the model.

Locking (STYLE rule 4). Places are taken by one conditional statement::

    UPDATE booking_slot SET remaining = remaining - :units
     WHERE id = :slot AND remaining >= :units AND state = 'open' AND opens_at <= :now AND start > :now

which PostgreSQL arbitrates on the slot's row lock: of a thousand concurrent attempts on the last
place exactly one sees ``rowcount == 1``. The CHECK ``remaining >= 0`` and the partial UNIQUE index
on (resident, slot) for active bookings are the backstop.

Row locks, when a use case needs several, are always taken in this order — resident, slot, booking
or waiting-list entry — under ``lock_timeout`` (``BOOKING_LOCK_TIMEOUT_MS``), so two use cases
cannot deadlock and a stuck lock turns into a 409 ``busy`` rather than a hung request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy

from booking import checkin, errors, queries, schedule, soldout
from booking.access import check_manages as _check_manages
from booking.access import check_manages_object as _check_manages_object
from booking.models import ACTIVE_STATUSES, Booking, BookingStatus, Court, Slot, Suspension, Venue, WaitlistEntry
from booking.realtime import availability_changed
from portal.accounts.models import User
from portal.connectors.notify import notification_queue
from portal.core.idempotency import KeyTaken, Receipt, stale_before
from portal.core.prepared import prepared_cursor

logger = logging.getLogger(__name__)

# Bookings that used their places (they count towards daily limits; cancelled ones do not).
COUNTED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED,
                    BookingStatus.NO_SHOW)
_BUSY_SQLSTATES = {"55P03", "40P01", "40001"}  # lock_not_available, deadlock_detected, serialization_failure


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _day_bounds(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def _fmt(moment: dt.datetime) -> str:
    """A day and time inside a sentence, in the form of the reader's language."""
    return _g("{when:%m月%d日 %H:%M}").format(when=_local(moment))


def _fmt_lazy(moment: dt.datetime):
    """``_fmt`` for a refusal's sentence: rendered when read (see ``_refusal``)."""
    return format_lazy(gettext_lazy("{when:%m月%d日 %H:%M}"), when=_local(moment))


# A refusal's sentence with details is a lazy string, formatted when it is read: the API renders it
# in the request's language as before, and the chat in the language of its reply (the skills run in
# Chinese, an English reply says the same refusal in English).
_refusal = format_lazy


def _for_residents():
    """Words written for residents to read later — a notification, a reason kept on a slot or a
    suspension — are in the site's language, not in that of whoever's request wrote them (a manager
    working in English blocks a court; the residents it tells read Chinese)."""
    return translation.override(settings.LANGUAGE_CODE)


def _set_lock_timeout() -> None:
    """Inside a transaction: give up waiting for a row lock after BOOKING_LOCK_TIMEOUT_MS."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms"])


def _is_busy(exc: OperationalError) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    return sqlstate in _BUSY_SQLSTATES or "database is locked" in str(exc)


class _busy_as_conflict:
    """Lock timeouts and deadlocks become a 409 ``busy`` the client may retry."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, OperationalError) and _is_busy(exc):
            raise errors.Busy() from exc
        return False


def _lock_resident(resident: User) -> None:
    list(User.objects.select_for_update().filter(pk=resident.pk).values_list("pk", flat=True))


def _db_time(moment: dt.datetime):
    """A datetime as the backend stores it (SQLite: naive UTC text), for raw SQL parameters."""
    return connection.ops.adapt_datetimefield_value(moment)


def _take_places(slot: Slot, units: int, now: dt.datetime) -> int | None:
    """The conditional decrement. Returns the places left after it, or None if it did not apply."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE booking_slot SET remaining = remaining - %s"
            " WHERE id = %s AND remaining >= %s AND state = %s AND opens_at <= %s AND start > %s RETURNING remaining",
            [units, slot.pk, units, Slot.State.OPEN, _db_time(now), _db_time(now)],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _lock_slot(slot_id: int) -> Slot:
    return Slot.objects.select_for_update(of=("self",)).select_related("venue", "court").get(pk=slot_id)


# --- slot generation -----------------------------------------------------------------------------


def _opens_at(venue: Venue, date: dt.date) -> dt.datetime:
    release_day = date - dt.timedelta(days=venue.window_days)
    return dt.datetime.combine(release_day, venue.release_time, tzinfo=timezone.get_current_timezone())


def _slot_times(*, court: Court, venue: Venue, date: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    tz = timezone.get_current_timezone()
    length = dt.timedelta(minutes=court.slot_minutes)
    out = []
    for open_time, close_time in schedule.hours_for(venue.opening_hours, date):
        start = dt.datetime.combine(date, open_time, tzinfo=tz)
        close = dt.datetime.combine(date, close_time, tzinfo=tz)
        while start + length <= close:
            out.append((start, start + length))
            start += length
    return out


def slots_for_court(*, court: Court, venue: Venue, date: dt.date) -> list[Slot]:
    """Unsaved slots of one court on one date, cut from the venue's opening hours."""
    opens = _opens_at(venue, date)
    return [Slot(court=court, venue=venue, sport=court.sport, start=start, end=end, opens_at=opens,
                 capacity=court.capacity, remaining=court.capacity, price=court.price)
            for start, end in _slot_times(court=court, venue=venue, date=date)]


_SLOT_COLUMNS = ("court_id", "venue_id", "sport", "start", "end", "opens_at", "capacity", "remaining", "price",
                 "state", "blocked_reason")


def _insert_slot_rows(rows: list[tuple]) -> None:
    """Insert slot rows, skipping any (court, start) that exists. Plain ``executemany``: a week of
    slots for every court is tens of thousands of rows, and ``bulk_create``'s per-field
    preparation made the start-up generation take seconds under the set-up lock."""
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(Slot._meta.db_table)} ({', '.join(quote(c) for c in _SLOT_COLUMNS)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(_SLOT_COLUMNS))}) ON CONFLICT (court_id, start) DO NOTHING")
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[i:i + 2000])


def slots_generate(*, days: int | None = None, now: dt.datetime | None = None,
                   venue_ids: Iterable[int] | None = None) -> int:
    """Create the slots of every active court from today to ``days`` ahead (default
    ``BOOKING_SLOT_DAYS_AHEAD``, at least each venue's booking window). Idempotent: existing slots
    (unique court + start) are left exactly as they are. Returns how many slots were new."""
    now = now or timezone.now()
    today = _local(now).date()
    venues = Venue.objects.filter(status=Venue.Status.OPEN).exclude(kind=Venue.Kind.FITNESS_POINT)
    if venue_ids is not None:
        venues = venues.filter(pk__in=list(venue_ids))
    ops = connection.ops
    rows: list[tuple] = []
    for venue in venues.prefetch_related("courts"):
        horizon = max(days if days is not None else settings.BOOKING_SLOT_DAYS_AHEAD, venue.window_days)
        courts = [c for c in venue.courts.all() if c.is_active]
        if not courts:
            continue
        last = today + dt.timedelta(days=horizon)
        existing = set(
            Slot.objects.filter(court__in=courts, start__gte=_day_bounds(today)[0], start__lt=_day_bounds(last)[1])
            .values_list("court_id", "start")
        )
        venue_rows = []
        try:
            for offset in range(horizon + 1):
                date = today + dt.timedelta(days=offset)
                opens = ops.adapt_datetimefield_value(_opens_at(venue, date))
                for court in courts:
                    price = ops.adapt_decimalfield_value(court.price, 8, 2)
                    for start, end in _slot_times(court=court, venue=venue, date=date):
                        if start > now and (court.pk, start) not in existing:
                            venue_rows.append((court.pk, venue.pk, court.sport, ops.adapt_datetimefield_value(start),
                                               ops.adapt_datetimefield_value(end), opens, court.capacity,
                                               court.capacity, price, Slot.State.OPEN.value, ""))
        except ValueError:  # one venue's broken opening hours must not stop every other venue's slots
            logger.exception("venue %s: opening hours unusable, no slots generated", venue.pk)
            continue
        rows.extend(venue_rows)
    if rows:
        _insert_slot_rows(rows)
    return len(rows)


def venue_slots_follow(*, staff: User, venue_id: int, now: dt.datetime | None = None) -> dict:
    """After a venue's opening hours, booking window, release time or a court's slot length changed:
    the future slots follow. Slots the new hours no longer hold are removed when nobody ever booked or
    queued for them, else blocked as ``slot_block`` blocks one (bookings cancelled, residents told);
    slots not released yet get the new release time; the new hours' slots are generated.
    → {"created", "removed", "blocked", "cancelled_bookings", "release_moved"} (counts)."""
    now = now or timezone.now()
    _check_manages(staff, venue_id)
    venue = Venue.objects.prefetch_related("courts").get(pk=venue_id)
    active = {c.pk: c for c in venue.courts.all() if c.is_active}
    expected: dict[dt.date, set[tuple[int, dt.datetime, dt.datetime]]] = {}
    stale, moved = [], []
    with transaction.atomic():
        future = list(Slot.objects.filter(venue_id=venue_id, start__gt=now).exclude(state=Slot.State.BLOCKED)
                      .order_by("start", "pk"))
        for slot in future:
            date = _local(slot.start).date()
            if date not in expected:
                expected[date] = {(court.pk, start, end) for court in active.values()
                                  for start, end in _slot_times(court=court, venue=venue, date=date)}
            if not venue.bookable or (slot.court_id, slot.start, slot.end) not in expected[date]:
                stale.append(slot.pk)
            elif slot.opens_at > now and slot.opens_at != _opens_at(venue, date):
                Slot.objects.filter(pk=slot.pk).update(opens_at=_opens_at(venue, date))
                moved.append(slot.pk)
        # Locked first (in id order): a booking in flight takes the same row lock, so it either
        # committed already and is seen below, or waits and then finds its slot gone.
        stale = list(Slot.objects.select_for_update().filter(pk__in=stale).order_by("pk").values_list("pk", flat=True))
        used = set(Booking.objects.filter(slot_id__in=stale).values_list("slot_id", flat=True))
        used |= set(WaitlistEntry.objects.filter(slot_id__in=stale).values_list("slot_id", flat=True))
        removed, _ = Slot.objects.filter(pk__in=[pk for pk in stale if pk not in used]).delete()
        blocked = [pk for pk in stale if pk in used]
        with _for_residents():
            reason = _g("开放时间调整")
        for slot_id in blocked:
            slot_block(staff=staff, slot_id=slot_id, reason=reason, now=now)
        cancelled = _cancelled_by_venue(blocked, now)
        created = slots_generate(now=now, venue_ids=[venue_id]) if venue.bookable else 0
        if moved:
            availability_changed(venue_id=venue_id, slot_ids=moved)
    return {"created": created, "removed": removed, "blocked": len(blocked), "cancelled_bookings": cancelled,
            "release_moved": len(moved)}


# --- booking ---------------------------------------------------------------------------------------


def _check_slot_open_for_booking(slot: Slot, now: dt.datetime) -> None:
    if not slot.venue.bookable:
        raise errors.NotBookable()
    if slot.state != Slot.State.OPEN:
        raise errors.SlotUnavailable()
    if slot.start <= now:
        raise errors.SlotClosed()
    if slot.opens_at > now:
        raise errors.WindowNotOpen(
            _refusal(gettext_lazy("该时段将于 {when} 开放预约，请到时再来。"), when=_fmt_lazy(slot.opens_at)),
            extra={"opens_at": _local(slot.opens_at).isoformat()},
        )


def party_check(*, slot: Slot, party_size: int, companions: Sequence[str] = ()) -> int:
    """The places a party of ``party_size`` takes in ``slot``, or ``party_too_large`` (the court's
    ``max_party_size``) / ``invalid_input`` (too many companions). ``booking_create`` and
    ``waitlist_join`` apply it; the chat asks it before reading a slot back for a yes."""
    if party_size < 1 or party_size > slot.court.max_party_size:
        raise errors.PartyTooLarge(
            _refusal(gettext_lazy("每单最多 {n} 人，请调整人数。"), n=slot.court.max_party_size),
            fields={"party_size": [_g("每单 1–{n} 人。").format(n=slot.court.max_party_size)]},
        )
    if len(companions) > party_size - 1:
        raise errors.InvalidInput(_g("同行人数量不能超过总人数减一（预约人本人）。"),
                                  fields={"companions": [_g("同行人过多。")]})
    return slot.court.units_for(party_size)


def _check_not_suspended(resident: User, now: dt.datetime, *, suspension_id: int | None = None) -> None:
    qs = Suspension.objects.filter(resident=resident, starts_at__lte=now, ends_at__gt=now)
    if suspension_id is not None:
        qs = qs.filter(pk=suspension_id)
    suspension = qs.order_by("-ends_at").first()
    if suspension:
        raise errors.Suspended(
            _refusal(gettext_lazy("您在 {days} 天内爽约 {n} 次，预约功能暂停至 {until}。"),
                     days=settings.BOOKING_NOSHOW_WINDOW_DAYS, n=settings.BOOKING_NOSHOW_LIMIT,
                     until=_fmt_lazy(suspension.ends_at)),
            extra={"until": _local(suspension.ends_at).isoformat()},
        )


# The counts the limits read. On PostgreSQL the function ``booking_book`` (booking/migrations/0004)
# counts the same inside the booking's own statement: a change to the rules here needs a migration
# replacing the function too.
_LIMITS_SQL = """
SELECT COUNT(*) FILTER (WHERE slot_id = %(slot)s AND status IN ('confirmed', 'checked_in')) AS same_slot,
       COUNT(*) FILTER (WHERE status = 'confirmed' AND ends_at > %(now)s) AS active,
       COUNT(*) FILTER (WHERE starts_at >= %(day_start)s AND starts_at < %(day_end)s
                          AND status IN ('confirmed', 'checked_in', 'completed', 'no_show')) AS day,
       COUNT(*) FILTER (WHERE starts_at >= %(day_start)s AND starts_at < %(day_end)s
                          AND status IN ('confirmed', 'checked_in', 'completed', 'no_show') AND venue_id = %(venue)s)
           AS venue_day,
       (SELECT id FROM booking_suspension
         WHERE resident_id = %(resident)s AND starts_at <= %(now)s AND ends_at > %(now)s LIMIT 1) AS suspension
  FROM booking_booking
 WHERE resident_id = %(resident)s
   AND (slot_id = %(slot)s OR ends_at > %(now)s OR (starts_at >= %(day_start)s AND starts_at < %(day_end)s))
"""


_COUNT_NAMES = ("same_slot", "active", "day", "venue_day", "suspension")


def _limits_params(resident: User, slot: Slot, now: dt.datetime) -> dict:
    day_start, day_end = _day_bounds(_local(slot.start).date())
    return {"slot": slot.pk, "now": _db_time(now), "day_start": _db_time(day_start), "day_end": _db_time(day_end),
            "venue": slot.venue_id, "resident": resident.pk}


def _booking_counts(resident: User, slot: Slot, now: dt.datetime) -> dict[str, int]:
    """The resident's bookings that the limits look at, counted in one statement (the hot path
    runs it for every booking, so it is plain SQL rather than a composed ORM aggregate)."""
    with connection.cursor() as cursor:
        cursor.execute(_LIMITS_SQL, _limits_params(resident, slot, now))
        return dict(zip(_COUNT_NAMES, cursor.fetchone(), strict=True))


def _check_limits(resident: User, slot: Slot, now: dt.datetime) -> None:
    """Per-resident limits of the venue being booked. Reliable only while the resident's row is
    locked (two concurrent attempts of one resident are serialised)."""
    _refuse_over_limits(resident, slot, now, _booking_counts(resident, slot, now))


def _refuse_over_limits(resident: User, slot: Slot, now: dt.datetime, counts: dict[str, int]) -> None:
    """Raise the first refusal the counts call for (suspension, same slot, then each limit)."""
    venue = slot.venue
    if counts["suspension"] is not None:
        _check_not_suspended(resident, now, suspension_id=counts["suspension"])
    if counts["same_slot"]:
        raise errors.AlreadyBooked()
    if counts["active"] >= venue.max_active_per_resident:
        raise errors.LimitReached(
            _refusal(gettext_lazy("您已有 {n} 个未使用的预约，每人最多同时持有 {limit} 个。"),
                     n=counts["active"], limit=venue.max_active_per_resident), extra={"limit": "active"})
    if counts["day"] >= venue.max_per_day_per_resident:
        raise errors.LimitReached(
            _refusal(gettext_lazy("您当天已预约 {n} 次，每人每天最多 {limit} 次。"),
                     n=counts["day"], limit=venue.max_per_day_per_resident), extra={"limit": "per_day"})
    if counts["venue_day"] >= venue.max_per_venue_per_day:
        raise errors.LimitReached(
            _refusal(gettext_lazy("您当天在{venue}已有预约，每人每天在本馆最多 {limit} 次。"),
                     venue=venue.name, limit=venue.max_per_venue_per_day), extra={"limit": "per_venue_per_day"})


# The booking on PostgreSQL: the function ``booking_book`` (booking/migrations/0004) locks the
# resident's row, then in one statement counts the limits, takes the places only if no limit
# refuses, inserts the booking only if the places were taken, and (with an Idempotency-Key) stores
# its answer only if the booking was inserted — one round trip and one transaction, so the slot's
# row stays locked for that statement and the commit alone, never across a round trip to a Python
# thread waiting for the GIL. PostgreSQL keeps the function's plans and the call is prepared
# (``portal.core.prepared``): planning the statement each time cost it more than running it. The
# counts come back so that a refusal names the exact rule.
_BOOK_CALL = """
SELECT * FROM booking_book(%(resident)s::bigint, %(slot)s::bigint, %(venue)s::bigint, %(units)s::integer,
                           %(now)s::timestamptz, %(day_start)s::timestamptz, %(day_end)s::timestamptz,
                           %(max_active)s::integer, %(max_day)s::integer, %(max_venue_day)s::integer,
                           %(id)s::bigint, %(party_size)s::integer, %(companions)s::jsonb, %(starts_at)s::timestamptz,
                           %(ends_at)s::timestamptz, %(checkin_closes_at)s::timestamptz, %(checkin_secret)s::text,
                           %(lock_timeout)s::text, %(key_id)s::bigint, %(key)s::text, %(method)s::text,
                           %(path)s::text, %(fingerprint)s::text, %(stale_before)s::timestamptz,
                           %(key_status)s::integer, %(key_body)s::jsonb)
"""

_ids_lock = threading.Lock()
_ids: list[int] = []
_ids_pid = 0
ID_BLOCK = 64


def new_booking_id() -> int:
    """A booking id from the table's sequence, taken 64 at a time per process: the answer stored
    under the Idempotency-Key names the booking, so its id is known before the statement that
    inserts it. (Ids stay unique; across processes they no longer follow creation order, which
    nothing relies on: listings use an id only to break ties.)"""
    global _ids_pid
    with _ids_lock:
        if _ids_pid != os.getpid():  # a forked worker must not hand out its parent's ids
            _ids.clear()
            _ids_pid = os.getpid()
        if not _ids:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence('booking_booking', 'id'))"
                               " FROM generate_series(1, %s)", [ID_BLOCK])
                _ids.extend(sorted(row[0] for row in cursor.fetchall()))
        return _ids.pop(0)


def _unsaved_booking(*, resident: User, slot: Slot, party_size: int, units: int, companions: Sequence[str],
                     now: dt.datetime) -> Booking:
    return Booking(
        resident=resident, slot=slot, venue=slot.venue, party_size=party_size, units=units,
        companions=[str(c)[:32] for c in companions], status=BookingStatus.CONFIRMED, starts_at=slot.start,
        ends_at=slot.end, checkin_closes_at=slot.start + dt.timedelta(minutes=slot.venue.checkin_after_minutes),
        created_at=now,
    )


def book_row(*, resident_id: int, slot_id: int, venue_id: int, units: int, now: dt.datetime, local_day: dt.date,
             max_active: int, max_day: int, max_venue_day: int, booking_id: int, party_size: int, companions,
             starts_at: dt.datetime, ends_at: dt.datetime, checkin_closes_at: dt.datetime, checkin_secret: str,
             key_id: int | None = None, claim: dict | None = None, key_status: int | None = None,
             key_body=None) -> tuple:
    """``booking_book``'s one round trip (PostgreSQL), for ``_book_postgresql`` and the booking lane
    (``booking.lane``): the five limit counts, then the places left (None: not taken), the booking's
    id (None: not booked) and the key's row (None: no key, or — with ``claim`` — a live row holds
    it and nothing was done; ``KeyTaken`` if it was taken meanwhile). ``claim``: the request's key to
    claim (``idempotency.claim_of``);
    ``key_id``: a key already claimed; ``key_status``/``key_body``: the answer stored under the key
    if the booking is made. ``companions`` as the JSON field takes it."""
    day_start, day_end = _day_bounds(local_day)
    claim = claim or {}
    params = {"resident": resident_id, "slot": slot_id, "venue": venue_id, "units": units, "now": now,
              "day_start": day_start, "day_end": day_end, "max_active": max_active, "max_day": max_day,
              "max_venue_day": max_venue_day, "id": booking_id, "party_size": party_size,
              "companions": Booking._meta.get_field("companions").get_db_prep_value(companions, connection),
              "starts_at": starts_at, "ends_at": ends_at, "checkin_closes_at": checkin_closes_at,
              "checkin_secret": checkin_secret, "lock_timeout": f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms",
              "key_id": key_id, "key": claim.get("key"), "method": claim.get("method"), "path": claim.get("path"),
              "fingerprint": claim.get("fingerprint"),
              "stale_before": stale_before(now) if claim else None,
              "key_status": key_status, "key_body": key_body}
    try:
        with prepared_cursor() as cursor:
            cursor.execute(_BOOK_CALL, params)
            return cursor.fetchone()
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "P0001" and "idempotency_key_taken" in str(exc):
            raise KeyTaken() from None  # another request took the key meanwhile; the booking was undone
        raise


def _book_postgresql(*, resident: User, slot: Slot, party_size: int, units: int, companions: Sequence[str],
                     now: dt.datetime, receipt: Receipt | None) -> tuple[Booking | None, int | None]:
    """Lock the resident and book, in one round trip and one transaction (its own, or a savepoint
    of the caller's). (None, None) when the places were not there; a limit's refusal is raised."""
    booking = _unsaved_booking(resident=resident, slot=slot, party_size=party_size, units=units,
                               companions=companions, now=now)
    booking.pk = new_booking_id()
    venue = slot.venue
    answered = receipt is not None and receipt.render is not None
    key_id, key_status, key_body = receipt.answer_row(booking) if answered else (None, None, None)
    claiming = receipt is not None and receipt.pk is None  # the key is claimed by this statement
    inside = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with inside:
        *counts, left, booked, key_id = book_row(
            resident_id=resident.pk, slot_id=slot.pk, venue_id=slot.venue_id, units=units, now=now,
            local_day=_local(slot.start).date(), max_active=venue.max_active_per_resident,
            max_day=venue.max_per_day_per_resident, max_venue_day=venue.max_per_venue_per_day, booking_id=booking.pk,
            party_size=party_size, companions=booking.companions, starts_at=booking.starts_at,
            ends_at=booking.ends_at, checkin_closes_at=booking.checkin_closes_at,
            checkin_secret=booking.checkin_secret, key_id=key_id, claim=receipt.claim if claiming else None,
            key_status=key_status, key_body=key_body)
    if claiming:
        if key_id is None:
            raise KeyTaken()
        receipt.pk = key_id
    if booked is None:
        _refuse_over_limits(resident, slot, now, dict(zip(_COUNT_NAMES, counts, strict=True)))
        return None, None
    if answered:
        receipt.stored = True
    booking._state.adding = False
    booking._state.db = connection.alias
    return booking, left


def _book_portable(*, resident: User, slot: Slot, party_size: int, units: int, companions: Sequence[str],
                   now: dt.datetime, receipt: Receipt | None) -> tuple[Booking | None, int | None]:
    """The same steps one statement at a time (SQLite, one writer at a time anyway)."""
    _lock_resident(resident)
    if receipt is not None:
        receipt.claim_now()  # if this write is to claim the request's key
    _check_limits(resident, slot, now)
    left = _take_places(slot, units, now)
    if left is None:
        return None, None
    booking = _new_booking(resident=resident, slot=slot, party_size=party_size, units=units, companions=companions)
    booking.slot, booking.venue = slot, slot.venue
    if receipt is not None and receipt.render is not None:
        receipt.store(booking)
    return booking, left


def _new_booking(*, resident: User, slot: Slot, party_size: int, units: int, companions: Sequence[str]) -> Booking:
    return Booking.objects.create(
        resident=resident, slot=slot, venue_id=slot.venue_id, party_size=party_size, units=units,
        companions=[str(c)[:32] for c in companions], starts_at=slot.start, ends_at=slot.end,
        checkin_closes_at=slot.start + dt.timedelta(minutes=slot.venue.checkin_after_minutes),
    )


def booking_create(*, resident: User, slot_id: int, party_size: int = 1, companions: Sequence[str] = (),
                   now: dt.datetime | None = None, receipt: Receipt | None = None) -> Booking:
    """Book ``party_size`` people into a slot for a real-name-verified resident.

    Locks: the resident's row (FOR UPDATE) so the resident's limits hold under concurrent attempts,
    then the slot's row through the conditional UPDATE that takes the places; both under
    ``lock_timeout``. A slot already seen full is refused before any lock is taken.
    Refusals: realname_required, slot_not_found, not_bookable, slot_unavailable, slot_closed,
    window_not_open, party_too_large, slot_full, suspended, already_booked, limit_reached, busy.
    Suspension and limits are read under the resident's lock; on PostgreSQL in the same statement
    that takes the places and inserts the booking. With ``receipt`` (the request's Idempotency-Key,
    ``Receipt.answer`` set) the answer is stored in that transaction too; a key not yet claimed
    (``write_claims``) is claimed there, under the resident's lock — ``KeyTaken`` if it is live.
    """
    now = now or timezone.now()
    if not getattr(resident, "is_realname_verified", False):
        raise errors.RealnameRequired()
    slot = queries.slot_get(slot_id=slot_id)
    _check_slot_open_for_booking(slot, now)
    units = party_check(slot=slot, party_size=party_size, companions=companions)
    if slot.remaining < units:  # cheap early refusal; the UPDATE below is what decides
        if slot.remaining <= 0:  # a party too big for the places left does not make the slot full
            _mark_sold_out(slot.pk)
        raise errors.SlotFull()
    # PostgreSQL: the booking commits in its own single round trip (``_book_postgresql``); what
    # follows here runs after that commit. SQLite: one transaction around the steps.
    postgresql = connection.vendor == "postgresql"
    try:
        with _busy_as_conflict(), contextlib.nullcontext() if postgresql else transaction.atomic():
            book = _book_postgresql if postgresql else _book_portable
            booking, left = book(resident=resident, slot=slot, party_size=party_size, units=units,
                                 companions=companions, now=now, receipt=receipt)
            if booking is None:
                if Slot.objects.filter(pk=slot.pk, remaining__lte=0, state=Slot.State.OPEN).exists():
                    _mark_sold_out(slot.pk)
                raise errors.SlotFull()
            booked_places_told(slot_id=slot.pk, venue_id=slot.venue_id, left=left, capacity=slot.capacity,
                               state=slot.state, opens_at=slot.opens_at, start=slot.start, now=now)
    except IntegrityError as exc:  # the backstop constraints caught what the checks above missed
        if "slot_remaining" in str(exc):
            raise errors.SlotFull()
        raise errors.AlreadyBooked()
    booking.slot, booking.venue = slot, slot.venue
    booking.slot.remaining = left
    return booking


def _mark_sold_out(slot_id: int) -> None:
    """Tell the rush gate this slot is full, with every resident who ever booked it: their
    attempts are not refused there, as one may be a retry whose 201 must be replayed (even of a
    booking cancelled since)."""
    holders = list(Booking.objects.filter(slot_id=slot_id).order_by().values_list("resident_id", flat=True)
                   .distinct()[: soldout.MAX_HOLDERS + 1])
    soldout.mark(slot_id, holders)


def booked_places_told(*, slot_id: int, venue_id: int, left: int, capacity: int, state: str, opens_at: dt.datetime,
                       start: dt.datetime, now: dt.datetime) -> None:
    """After a booking left ``left`` places: tell the rush gate, and push the slot's new state to
    the clients watching its venue-day (``booking_create`` and the booking lane)."""
    if left == 0:
        # Tell every process at once: attempts arriving meanwhile would otherwise queue on
        # the row lock only to be refused. (SQLite: before the commit; should it fail, the
        # place is refused for at most BOOKING_SOLDOUT_CACHE_SECONDS.)
        _mark_sold_out(slot_id)
    else:
        soldout.note_places_left(slot_id, left)
    # What a watching client needs to know about the slot after this change.
    availability_changed(venue_id=venue_id, slot_ids=[slot_id], states=[{
        "id": slot_id, "remaining": left, "capacity": capacity, "state": state,
        "bookable": queries.slot_bookable_as(state=state, remaining=left, opens_at=opens_at, start=start, now=now),
        "_date": _local(start).date()}])


def _release_places(slot: Slot, units: int, now: dt.datetime) -> None:
    """Give freed places to the waiting list (held as timed offers, first in line first), the rest
    back to ``remaining``. The caller holds the slot's row lock."""
    free = units
    if slot.start > now and slot.state == Slot.State.OPEN:
        for entry in WaitlistEntry.objects.filter(slot=slot, status=WaitlistEntry.Status.WAITING).order_by(
            "created_at", "id"
        ):
            if free <= 0:
                break
            if entry.units > free:
                continue
            expires = min(now + dt.timedelta(minutes=slot.venue.offer_minutes), slot.start)
            WaitlistEntry.objects.filter(pk=entry.pk).update(
                status=WaitlistEntry.Status.OFFERED, held_units=entry.units, offered_at=now, offer_expires_at=expires
            )
            free -= entry.units
            with _for_residents():
                notification_queue(
                    user=entry.resident, template="booking.waitlist_offer", title=_g("候补到位，请尽快确认"),
                    body=_g("{slot} 有空位了，请在 {until} 前确认预约，过时将让给下一位。").format(
                        slot=slot_label(slot), until=_fmt(expires)),
                    data={"waitlist_entry": entry.pk, "slot": slot.pk, "expires_at": expires.isoformat()},
                    dedupe_key=f"booking.waitlist_offer.{entry.pk}",
                )
    if free:
        Slot.objects.filter(pk=slot.pk).update(remaining=F("remaining") + free)
        transaction.on_commit(lambda: soldout.clear(slot.pk))
    availability_changed(venue_id=slot.venue_id, slot_ids=[slot.pk])


def slot_label(slot: Slot) -> str:
    return f"{slot.venue.name} {slot.court.name} {_fmt(slot.start)}-{_local(slot.end):%H:%M}"


def booking_cancel(*, resident: User, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """Cancel one's own booking before the venue's deadline; the places go to the waiting list or
    back to the slot. Locks: slot row, then the booking (conditional UPDATE on its status)."""
    now = now or timezone.now()
    booking = Booking.objects.select_related("venue").filter(pk=booking_id, resident=resident).first()
    if booking is None:
        raise errors.BookingNotFound()
    if booking.status != BookingStatus.CONFIRMED:
        raise errors.NotCancellable(_refusal(gettext_lazy("这个预约当前状态为“{status}”，不能取消。"),
                                             status=BookingStatus(booking.status).label))
    deadline = booking.starts_at - dt.timedelta(minutes=booking.venue.cancel_deadline_minutes)
    if now > deadline:
        raise errors.CancelDeadlinePassed(
            _refusal(gettext_lazy("开场前 {m} 分钟内不能取消（截止 {when}）。如不能到场，可联系场馆。"),
                     m=booking.venue.cancel_deadline_minutes, when=_fmt_lazy(deadline)))
    with _busy_as_conflict(), transaction.atomic():
        _set_lock_timeout()
        slot = _lock_slot(booking.slot_id)
        changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.CONFIRMED).update(
            status=BookingStatus.CANCELLED, cancelled_at=now)
        if not changed:
            raise errors.NotCancellable()
        _release_places(slot, booking.units, now)
    booking.refresh_from_db()
    return booking


# --- waiting list ----------------------------------------------------------------------------------


def waitlist_join(*, resident: User, slot_id: int, party_size: int = 1,
                  now: dt.datetime | None = None) -> WaitlistEntry:
    """Queue for a full slot. Same refusals as booking (real name, suspension, window)."""
    now = now or timezone.now()
    if not getattr(resident, "is_realname_verified", False):
        raise errors.RealnameRequired()
    slot = Slot.objects.select_related("venue", "court").filter(pk=slot_id).first()
    if slot is None:
        raise errors.SlotNotFound()
    _check_slot_open_for_booking(slot, now)
    units = party_check(slot=slot, party_size=party_size)
    _check_not_suspended(resident, now)
    if slot.remaining >= units:
        raise errors.WaitlistNotNeeded()
    if Booking.objects.filter(resident=resident, slot=slot, status__in=ACTIVE_STATUSES).exists():
        raise errors.AlreadyBooked()
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(slot=slot, resident=resident, party_size=party_size, units=units)
    except IntegrityError:
        raise errors.AlreadyWaiting()


def waitlist_accept(*, resident: User, entry_id: int, now: dt.datetime | None = None) -> Booking:
    """Turn an offer into a booking of the held places. Locks: resident, slot, entry."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_related("slot__venue", "slot__court").filter(
        pk=entry_id, resident=resident).first()
    if entry is None:
        raise errors.OfferNotFound()
    if entry.slot.state == Slot.State.BLOCKED:  # the venue closed it: not "your time ran out"
        raise errors.SlotUnavailable()
    if entry.status != WaitlistEntry.Status.OFFERED or entry.offer_expires_at <= now:
        raise errors.OfferExpired()
    if not getattr(resident, "is_realname_verified", False):
        raise errors.RealnameRequired()
    _check_not_suspended(resident, now)
    try:
        with _busy_as_conflict(), transaction.atomic():
            _set_lock_timeout()
            _lock_resident(resident)
            slot = _lock_slot(entry.slot_id)
            _check_limits(resident, slot, now)
            accepted = WaitlistEntry.objects.filter(
                pk=entry.pk, status=WaitlistEntry.Status.OFFERED, offer_expires_at__gt=now
            ).update(status=WaitlistEntry.Status.ACCEPTED, held_units=0)
            if not accepted:
                raise errors.OfferExpired()
            booking = _new_booking(resident=resident, slot=slot, party_size=entry.party_size, units=entry.units,
                                   companions=())
            WaitlistEntry.objects.filter(pk=entry.pk).update(booking=booking)
    except IntegrityError:
        raise errors.AlreadyBooked()
    return booking


def waitlist_leave(*, resident: User, entry_id: int, now: dt.datetime | None = None) -> WaitlistEntry:
    """Leave the queue, or decline an offer (its places pass to the next in line)."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.filter(pk=entry_id, resident=resident).first()
    if entry is None:
        raise errors.OfferNotFound()
    with _busy_as_conflict(), transaction.atomic():
        _set_lock_timeout()
        slot = _lock_slot(entry.slot_id)
        entry = WaitlistEntry.objects.get(pk=entry.pk)
        if entry.status not in (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED):
            raise errors.Conflict(_g("您已不在这个时段的候补队列中。"), code="not_waiting")
        held = entry.held_units
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.LEFT, held_units=0)
        if held:
            _release_places(slot, held, now)
    entry.refresh_from_db()
    return entry


def waitlist_offers_expire(*, now: dt.datetime | None = None) -> int:
    """Expire offers not accepted in time and pass their places on. Idempotent (a task)."""
    now = now or timezone.now()
    expired = 0
    for entry_id, slot_id in WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now
    ).values_list("id", "slot_id")[:500]:
        with transaction.atomic():
            _set_lock_timeout()
            slot = _lock_slot(slot_id)
            entry = WaitlistEntry.objects.filter(
                pk=entry_id, status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now).first()
            if entry is None:
                continue
            WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.EXPIRED, held_units=0)
            _release_places(slot, entry.held_units, now)
            expired += 1
    return expired


# --- check-in, no-shows, completion, reminders ----------------------------------------------------------


def checkin_token_issue(*, resident: User, booking_id: int, now: dt.datetime | None = None) -> dict:
    """The current rotating token of one's own confirmed booking (shown as a QR code)."""
    now = now or timezone.now()
    booking = Booking.objects.filter(pk=booking_id, resident=resident).first()
    if booking is None:
        raise errors.BookingNotFound()
    if booking.status != BookingStatus.CONFIRMED:
        raise errors.CheckinNotAllowed()
    token, expires = checkin.issue(booking_id=booking.pk, secret=booking.checkin_secret, now=now)
    return {"token": token, "expires_at": expires, "refresh_seconds": settings.BOOKING_CHECKIN_TOKEN_STEP_SECONDS}


def booking_checkin(*, staff: User, token: str, venue_id: int, now: dt.datetime | None = None) -> Booking:
    """Venue staff scan a resident's QR token: right venue, inside the check-in window, once."""
    now = now or timezone.now()
    _check_manages(staff, venue_id)
    parsed = checkin.parse(token)
    if parsed is None:
        raise errors.CheckinInvalid()
    booking = Booking.objects.select_related("venue", "slot__court", "resident").filter(pk=parsed.booking_id).first()
    if booking is None or not checkin.signature_valid(parsed, booking.checkin_secret):
        raise errors.CheckinInvalid()
    if booking.venue_id != venue_id:
        raise errors.CheckinWrongVenue(_g("这是{venue}的预约，不是本场馆的。").format(venue=booking.venue.name))
    if booking.status == BookingStatus.CHECKED_IN:
        raise errors.CheckinAlreadyUsed()
    if booking.status != BookingStatus.CONFIRMED:
        raise errors.CheckinNotAllowed()
    if not checkin.fresh(parsed, now):
        raise errors.CheckinExpired()
    opens = booking.starts_at - dt.timedelta(minutes=booking.venue.checkin_before_minutes)
    if not (opens <= now <= booking.checkin_closes_at):
        raise errors.CheckinOutsideWindow(_g("签到时间为 {a} 至 {b}。").format(
            a=_fmt(opens), b=_local(booking.checkin_closes_at).strftime("%H:%M")))
    changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.CONFIRMED).update(
        status=BookingStatus.CHECKED_IN, checked_in_at=now, checked_in_by=staff)
    if not changed:
        raise errors.CheckinAlreadyUsed()
    booking.refresh_from_db()
    return booking


def _suspend_if_repeated(resident_id: int, now: dt.datetime) -> Suspension | None:
    """``BOOKING_NOSHOW_LIMIT`` no-shows within ``BOOKING_NOSHOW_WINDOW_DAYS`` (not already
    punished by an earlier suspension) suspend booking for ``BOOKING_SUSPENSION_DAYS``."""
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=resident_id).values_list("pk", flat=True))
        last = Suspension.objects.filter(resident_id=resident_id).order_by("-starts_at").first()
        if last and last.ends_at > now:
            return None
        since = now - dt.timedelta(days=settings.BOOKING_NOSHOW_WINDOW_DAYS)
        if last and last.starts_at > since:
            since = last.starts_at
        count = Booking.objects.filter(resident_id=resident_id, status=BookingStatus.NO_SHOW,
                                       starts_at__gte=since).count()
        if count < settings.BOOKING_NOSHOW_LIMIT:
            return None
        ends = now + dt.timedelta(days=settings.BOOKING_SUSPENSION_DAYS)
        with _for_residents():
            suspension = Suspension.objects.create(
                resident_id=resident_id, starts_at=now, ends_at=ends,
                reason=_g("{days} 天内爽约 {n} 次").format(days=settings.BOOKING_NOSHOW_WINDOW_DAYS, n=count))
            notification_queue(
                user=User.objects.get(pk=resident_id), template="booking.suspended", title=_g("场馆预约已暂停"),
                body=_g("您 {days} 天内爽约 {n} 次，场馆预约暂停至 {until}。").format(
                    days=settings.BOOKING_NOSHOW_WINDOW_DAYS, n=count, until=_fmt(ends)),
                dedupe_key=f"booking.suspended.{suspension.pk}",
            )
        return suspension


def _mark_no_shows(booking_ids: list[int], now: dt.datetime) -> int:
    with transaction.atomic():
        marked = list(Booking.objects.filter(pk__in=booking_ids, status=BookingStatus.CONFIRMED)
                      .select_for_update().values_list("id", "resident_id"))
        Booking.objects.filter(pk__in=[b for b, _ in marked]).update(status=BookingStatus.NO_SHOW, no_show_at=now)
    for resident_id in sorted({r for _, r in marked}):
        _suspend_if_repeated(resident_id, now)
    return len(marked)


def no_shows_mark(*, now: dt.datetime | None = None) -> int:
    """Confirmed bookings whose check-in window closed become no-shows. Idempotent (a task)."""
    now = now or timezone.now()
    ids = list(Booking.objects.filter(status=BookingStatus.CONFIRMED, checkin_closes_at__lte=now)
               .order_by("id").values_list("id", flat=True)[:2000])
    return _mark_no_shows(ids, now) if ids else 0


def booking_mark_no_show(*, staff: User, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """Staff record a no-show once the check-in window has closed (before the task does)."""
    now = now or timezone.now()
    booking = Booking.objects.filter(pk=booking_id).first()
    _check_manages_object(staff, booking and booking.venue_id, errors.BookingNotFound)
    if booking.status != BookingStatus.CONFIRMED:
        raise errors.Conflict(_g("这个预约当前状态为“{status}”，不能记为爽约。").format(
            status=booking.get_status_display()), code="not_markable")
    if now < booking.checkin_closes_at:
        raise errors.NoShowTooEarly()
    _mark_no_shows([booking.pk], now)
    booking.refresh_from_db()
    return booking


def bookings_complete(*, now: dt.datetime | None = None) -> int:
    """Checked-in bookings whose slot has ended become completed. Idempotent (a task)."""
    now = now or timezone.now()
    return Booking.objects.filter(status=BookingStatus.CHECKED_IN, ends_at__lte=now).update(
        status=BookingStatus.COMPLETED)


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Queue a reminder for bookings starting within ``BOOKING_REMINDER_MINUTES``. Idempotent:
    ``reminded_at`` and the notification's dedupe key both guard against a second message."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(minutes=settings.BOOKING_REMINDER_MINUTES)
    sent = 0
    candidates = (Booking.objects.filter(status=BookingStatus.CONFIRMED, reminded_at__isnull=True,
                                         starts_at__gt=now, starts_at__lte=horizon)
                  .select_related("resident", "slot__venue", "slot__court").order_by("starts_at")[:1000])
    for booking in candidates:
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            with _for_residents():
                notification_queue(
                    user=booking.resident, template="booking.reminder", title=_g("场馆预约提醒"),
                    body=_g("您预约的 {slot} 即将开始，请在开场前后 15 分钟内出示签到码。").format(
                        slot=slot_label(booking.slot)),
                    data={"booking": booking.pk}, dedupe_key=f"booking.reminder.{booking.pk}",
                )
            sent += 1
    return sent


# --- staff: slots --------------------------------------------------------------------------------------


def slot_block(*, staff: User, slot_id: int, reason: str, now: dt.datetime | None = None) -> Slot:
    """Close a future slot for maintenance: its bookings are cancelled by the venue and the residents
    told; the waiting list is closed and those on it told. Locks: slot, then its bookings."""
    now = now or timezone.now()
    slot = Slot.objects.filter(pk=slot_id).first()
    _check_manages_object(staff, slot and slot.venue_id, errors.SlotNotFound)
    if slot.start <= now:
        raise errors.SlotClosed(_g("已开始或已结束的时段不能停用。"))
    with _busy_as_conflict(), transaction.atomic(), _for_residents():
        reason = (reason or "").strip()[:200] or _g("场地维护")
        _set_lock_timeout()
        slot = _lock_slot(slot_id)
        if slot.state == Slot.State.BLOCKED:
            return slot
        cancelled = list(Booking.objects.select_for_update().select_related("resident")
                         .filter(slot=slot, status=BookingStatus.CONFIRMED))
        Booking.objects.filter(pk__in=[b.pk for b in cancelled]).update(
            status=BookingStatus.CANCELLED, cancelled_at=now, cancelled_by_venue=True)
        for booking in cancelled:
            notification_queue(
                user=booking.resident, template="booking.cancelled_by_venue", title=_g("预约已被场馆取消"),
                body=_g("很抱歉，{slot} 因“{reason}”停用，您的预约已取消。").format(
                    slot=slot_label(slot), reason=reason),
                data={"booking": booking.pk}, dedupe_key=f"booking.cancelled_by_venue.{booking.pk}",
            )
        queued = list(WaitlistEntry.objects.select_related("resident").filter(
            slot=slot, status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]))
        WaitlistEntry.objects.filter(pk__in=[e.pk for e in queued]).update(
            status=WaitlistEntry.Status.EXPIRED, held_units=0)
        for entry in queued:  # an offer they were told about, or a place they wait for, is gone: say why
            notification_queue(
                user=entry.resident, template="booking.waitlist_closed_by_venue", title=_g("候补已结束"),
                body=_g("很抱歉，{slot} 因“{reason}”停用，您的候补已结束。").format(
                    slot=slot_label(slot), reason=reason),
                data={"waitlist_entry": entry.pk}, dedupe_key=f"booking.waitlist_closed_by_venue.{entry.pk}",
            )
        still_used = Booking.objects.filter(slot=slot).exclude(status=BookingStatus.CANCELLED).aggregate(
            n=Sum("units"))["n"] or 0
        Slot.objects.filter(pk=slot.pk).update(state=Slot.State.BLOCKED, blocked_reason=reason,
                                               remaining=slot.capacity - still_used)
        transaction.on_commit(lambda: soldout.clear(slot.pk))  # the exact path says "maintenance"
        availability_changed(venue_id=slot.venue_id, slot_ids=[slot.pk])
    slot.refresh_from_db()
    return slot


def _cancelled_by_venue(slot_ids: list[int], now: dt.datetime) -> int:
    """How many bookings of these slots the venue's blocking at ``now`` cancelled."""
    return Booking.objects.filter(slot_id__in=slot_ids, cancelled_by_venue=True, cancelled_at=now).count()


MAX_CLOSE_DAYS = 31


def _slots_in(*, staff: User, venue_id: int, date_from: dt.date, date_to: dt.date | None, court_id: int | None,
              time_from: dt.time | None, time_to: dt.time | None, now: dt.datetime) -> list[Slot]:
    """A managed venue's future slots starting on those local days (``date_to`` defaults to
    ``date_from``) and within those hours of the day, of one court or all, earliest first."""
    _check_manages(staff, venue_id)
    date_to = date_to or date_from
    if court_id is not None and not Court.objects.filter(pk=court_id, venue_id=venue_id).exists():
        raise errors.InvalidInput(_g("这个场馆没有这片场地。"), fields={"court": [_g("不是本馆的场地。")]})
    start, _ = _day_bounds(date_from)
    _, end = _day_bounds(date_to)
    qs = Slot.objects.filter(venue_id=venue_id, start__gte=max(start, now), start__lt=end).order_by("start", "pk")
    if court_id is not None:
        qs = qs.filter(court_id=court_id)
    return [slot for slot in qs
            if (time_from is None or _local(slot.start).time() >= time_from)
            and (time_to is None or _local(slot.start).time() < time_to)]


def slots_close(*, staff: User, venue_id: int, date_from: dt.date, date_to: dt.date | None = None,
                court_id: int | None = None, time_from: dt.time | None = None, time_to: dt.time | None = None,
                reason: str = "", now: dt.datetime | None = None) -> dict:
    """Close a venue (or one court) for whole days or hours — a match, a repair, a typhoon: every
    future slot there that is still open is blocked as ``slot_block`` blocks one (bookings cancelled
    by the venue and the residents told, the waiting list closed and told), all in one transaction:
    every slot or none. → {"blocked": [slot ids], "cancelled_bookings": n}."""
    now = now or timezone.now()
    slots = _slots_in(staff=staff, venue_id=venue_id, date_from=date_from, date_to=date_to, court_id=court_id,
                      time_from=time_from, time_to=time_to, now=now)
    blocked = [slot.pk for slot in slots if slot.state != Slot.State.BLOCKED]
    with transaction.atomic():
        for slot_id in blocked:
            slot_block(staff=staff, slot_id=slot_id, reason=reason, now=now)
    cancelled = _cancelled_by_venue(blocked, now)
    return {"blocked": blocked, "cancelled_bookings": cancelled}


def slots_reopen(*, staff: User, venue_id: int, date_from: dt.date, date_to: dt.date | None = None,
                 court_id: int | None = None, time_from: dt.time | None = None, time_to: dt.time | None = None,
                 now: dt.datetime | None = None) -> dict:
    """Open again what ``slots_close`` closed there (bookings it cancelled stay cancelled: their
    residents were told). → {"reopened": [slot ids]}."""
    now = now or timezone.now()
    slots = _slots_in(staff=staff, venue_id=venue_id, date_from=date_from, date_to=date_to, court_id=court_id,
                      time_from=time_from, time_to=time_to, now=now)
    reopened = [slot.pk for slot in slots if slot.state == Slot.State.BLOCKED]
    with transaction.atomic():
        for slot_id in reopened:
            slot_unblock(staff=staff, slot_id=slot_id, now=now)
    return {"reopened": reopened}


def slot_unblock(*, staff: User, slot_id: int, now: dt.datetime | None = None) -> Slot:
    now = now or timezone.now()
    slot = Slot.objects.filter(pk=slot_id).first()
    _check_manages_object(staff, slot and slot.venue_id, errors.SlotNotFound)
    with transaction.atomic():
        Slot.objects.filter(pk=slot.pk, state=Slot.State.BLOCKED).update(state=Slot.State.OPEN, blocked_reason="")
        transaction.on_commit(lambda: soldout.clear(slot.pk))
        availability_changed(venue_id=slot.venue_id, slot_ids=[slot.pk])
    slot.refresh_from_db()
    return slot
