"""Read side of the booking domain: venue search, availability, bookings, utilisation, guides.

These are what the REST API and the chat skills call (``venues_search``, ``slots_for_venue``,
``slots_available``, ``bookings_of_resident``, ``fitness_guides``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from booking import errors, fitness, schedule
from booking.access import check_manages, managed_venue_ids
from booking.models import Booking, BookingStatus, Court, Slot, Venue, WaitlistEntry
from portal.accounts.models import User
from portal.core.converters import MAX_ID
from portal.core.prepared import prepared_cursor
from portal.core.rows import RowLoader

EARTH_RADIUS_M = 6_371_000.0
MAX_RADIUS_M = 50_000

SPORT_ALIASES = {
    "badminton": "羽毛球", "basketball": "篮球", "football": "足球", "soccer": "足球", "tennis": "网球",
    "table tennis": "乒乓球", "ping pong": "乒乓球", "pingpong": "乒乓球", "swimming": "游泳", "swim": "游泳",
    "pool": "游泳", "gym": "健身", "fitness": "健身", "running": "跑步", "yoga": "瑜伽", "tai chi": "太极拳",
    "羽毛": "羽毛球", "打球": "羽毛球", "泳池": "游泳", "游泳馆": "游泳", "健身房": "健身", "乒乓": "乒乓球",
    "跑道": "跑步", "慢跑": "跑步", "太极": "太极拳", "健身苑": "健身路径", "健身步道": "健身路径",
}


def normalise_sport(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return SPORT_ALIASES.get(value.lower(), value)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# The calendar the API answers about: far enough either side of any real booking, and well inside
# what Python's dates can shift by a day or a time zone (9999-12-31 + 1 day overflows: a 500).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def in_calendar(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def _day_bounds(date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(date, dt.time.min, tzinfo=tz),
            dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


# --- venues --------------------------------------------------------------------------------------


@dataclass
class VenueHit:
    venue: Venue
    distance_m: float | None = None
    open_now: bool = False
    free_slots_today: int | None = None
    free_places_today: int | None = None
    extra: dict = field(default_factory=dict)


def venues_search(*, near: tuple[float, float] | None = None, radius_m: int | None = None, sport: str | None = None,
                  town: str | None = None, open_at: dt.datetime | None = None, free: bool | None = None,
                  order: str = "distance", now: dt.datetime | None = None) -> list[VenueHit]:
    """Venues matching the filters, with distance (haversine) when ``near`` is given.

    ``near`` narrows to ``radius_m`` (default: the 15-minute walking circle,
    ``BOOKING_WALKING_RADIUS_M``). The bounding box of the circle is filtered in SQL (index on
    lat, lng), the exact distance in Python. ``order`` is ``distance`` (default; name without
    ``near``) or ``availability`` (most free places today first).
    """
    now = now or timezone.now()
    qs = Venue.objects.filter(status=Venue.Status.OPEN)
    if town:
        qs = qs.filter(Q(town=town) | Q(town__startswith=town.removesuffix("镇").removesuffix("街道")))
    if free is not None:
        qs = qs.filter(is_free=free)
    radius = None
    if near is not None:
        radius = float(min(radius_m or settings.BOOKING_WALKING_RADIUS_M, MAX_RADIUS_M))
        lat, lng = near
        dlat = math.degrees(radius / EARTH_RADIUS_M)
        dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
        qs = qs.filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
    sport = normalise_sport(sport)
    local_now = timezone.localtime(now)
    local_open_at = timezone.localtime(open_at) if open_at else None
    hits = []
    for venue in qs.only("id", "name", "kind", "district", "town", "address", "lat", "lng", "sports", "facilities",
                         "opening_hours", "is_free", "phone", "status"):
        if sport and sport not in (venue.sports or []):
            continue
        distance = None
        if near is not None:
            distance = haversine_m(near[0], near[1], venue.lat, venue.lng)
            if distance > radius:
                continue
        if local_open_at and not schedule.is_open_at(venue.opening_hours, local_open_at):
            continue
        hits.append(VenueHit(venue=venue, distance_m=distance,
                             open_now=schedule.is_open_at(venue.opening_hours, local_now)))
    if order == "availability":
        annotate_free_places(hits, now=now, sport=sport)
        hits.sort(key=lambda h: (-(h.free_places_today or 0), h.distance_m or 0.0, h.venue.name))
    elif near is not None:
        hits.sort(key=lambda h: (h.distance_m, h.venue.pk))
    else:
        hits.sort(key=lambda h: (h.venue.town, h.venue.name))
    return hits


def annotate_free_places(hits: list[VenueHit], *, now: dt.datetime | None = None, sport: str | None = None) -> None:
    """Fill ``free_slots_today`` / ``free_places_today`` (bookable now, rest of today) in one query."""
    now = now or timezone.now()
    ids = [h.venue.pk for h in hits if h.venue.bookable]
    _, day_end = _day_bounds(timezone.localtime(now).date())
    rows = {}
    if ids:
        qs = Slot.objects.filter(venue_id__in=ids, start__gt=now, start__lt=day_end, state=Slot.State.OPEN,
                                 opens_at__lte=now, remaining__gt=0)
        if sport:
            qs = qs.filter(sport=sport)
        rows = {r["venue_id"]: r for r in qs.values("venue_id").annotate(n=Count("id"), places=Sum("remaining"))}
    for hit in hits:
        if hit.venue.bookable:
            row = rows.get(hit.venue.pk)
            hit.free_slots_today = row["n"] if row else 0
            hit.free_places_today = row["places"] if row else 0


def venue_get(*, venue_id: int) -> Venue:
    venue = Venue.objects.prefetch_related("courts").filter(pk=venue_id).first()
    if venue is None:
        raise errors.VenueNotFound()
    return venue


def hours_week(venue: Venue, *, start: dt.date) -> list[dict]:
    """Opening hours of the next 7 days, with the day kind (holiday, 调休, unknown year)."""
    out = []
    for offset in range(7):
        date = start + dt.timedelta(days=offset)
        out.append({
            "date": date.isoformat(),
            "kind": schedule.day_kind(date),
            "hours": [[a.strftime("%H:%M"), b.strftime("%H:%M")]
                      for a, b in schedule.hours_for(venue.opening_hours, date)],
        })
    return out


@dataclass
class DayHours:
    """A venue's opening on one day: the hours its timetable gives (weekday, statutory holiday,
    调休), and whether the venue's staff closed that whole day (every slot of it blocked)."""

    date: dt.date
    kind: str
    hours: list[tuple[dt.time, dt.time]]
    closed_by_venue: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return bool(self.hours) and not self.closed_by_venue


def venues_day_hours(venues: Iterable[Venue], *, date: dt.date) -> dict[int, DayHours]:
    """``DayHours`` of each venue on ``date`` ("花木体育中心后天开门吗"), the staff's closures read
    from that day's slots in one query."""
    venues = list(venues)
    day_start, day_end = _day_bounds(date)
    states: dict[int, set[tuple[str, str]]] = {}
    for venue_id, state, reason in (Slot.objects.filter(venue_id__in=[v.pk for v in venues], start__gte=day_start,
                                                         start__lt=day_end)
                                    .values_list("venue_id", "state", "blocked_reason").distinct()):
        states.setdefault(venue_id, set()).add((state, reason or ""))
    out = {}
    for venue in venues:
        seen = states.get(venue.pk) or set()
        closed = bool(seen) and all(state == Slot.State.BLOCKED for state, _ in seen)
        out[venue.pk] = DayHours(date=date, kind=schedule.day_kind(date),
                                 hours=schedule.hours_for(venue.opening_hours, date), closed_by_venue=closed,
                                 reasons=sorted({reason for _, reason in seen if reason}) if closed else [])
    return out


# --- slots -----------------------------------------------------------------------------------------


def slot_bookable(slot: Slot, now: dt.datetime) -> bool:
    return slot_bookable_as(state=slot.state, remaining=slot.remaining, opens_at=slot.opens_at, start=slot.start,
                            now=now)


def slot_bookable_as(*, state: str, remaining: int, opens_at: dt.datetime, start: dt.datetime,
                     now: dt.datetime) -> bool:
    """``slot_bookable`` for a slot's values (a row read without its model, a change just made)."""
    return state == Slot.State.OPEN and remaining > 0 and opens_at <= now < start


def slots_for_venue(*, venue_id: int, date: dt.date, sport: str | None = None) -> QuerySet[Slot]:
    """One venue's slots on one date (local), earliest first. Index: (venue, start)."""
    start, end = _day_bounds(date)
    qs = Slot.objects.filter(venue_id=venue_id, start__gte=start, start__lt=end).select_related("court")
    sport = normalise_sport(sport)
    if sport:
        qs = qs.filter(sport=sport)
    return qs.order_by("start", "court__name")


def no_slots_reason(venue: Venue, *, date: dt.date, sport: str | None, now: dt.datetime) -> str:
    """Why a venue shows no slots on a date, in a sentence a resident reads (the slot listing says
    it instead of an empty page)."""
    from django.utils.translation import gettext as _g

    sport = normalise_sport(sport)
    today = timezone.localtime(now).date()
    if venue.kind == Venue.Kind.FITNESS_POINT:
        return _g("健身苑点免费开放，不用预约，直接去就行。")
    if venue.status != Venue.Status.OPEN:
        return _g("这个场馆暂停开放，暂时不能预约。")
    if sport and sport not in (venue.sports or []):
        return _g("这个场馆没有{sport}场地。").format(sport=sport)
    if date < today:
        return _g("这一天已经过去了。")
    if not schedule.hours_for(venue.opening_hours, date):
        return _g("这个场馆{date}不开放。").format(date=_g("{day:%m月%d日}").format(day=date))
    if date > today + dt.timedelta(days=settings.BOOKING_SLOT_DAYS_AHEAD):
        return _g("时段提前 {n} 天放出，{date}的还没有放出，请到时再来。").format(
            n=settings.BOOKING_SLOT_DAYS_AHEAD, date=_g("{day:%m月%d日}").format(day=date))
    return _g("这一天没有可以预约的时段。")


def slot_states(*, slot_ids: Iterable[int], now: dt.datetime) -> list[dict]:
    """The fields a watching client needs after a change (used by the WebSocket push)."""
    out = []
    for slot in Slot.objects.filter(pk__in=list(slot_ids)):
        out.append({"id": slot.pk, "remaining": slot.remaining, "capacity": slot.capacity, "state": slot.state,
                    "bookable": slot_bookable(slot, now), "_date": timezone.localtime(slot.start).date()})
    return out


_slot_rows, _venue_rows, _court_rows = RowLoader(Slot), RowLoader(Venue), RowLoader(Court)


def slot_get(*, slot_id: int) -> Slot:
    """One slot with its venue and court (the chat reads back the slot a resident picked; every
    booking reads its slot). Fixed SQL rather than ``select_related``: it is on every booking's
    path, where the ORM's query building cost more than the query (``portal.core.rows``)."""
    if not 0 < slot_id <= MAX_ID:  # no such row, and too large for the driver to send
        raise errors.SlotNotFound()
    with prepared_cursor() as cursor:
        cursor.execute(f"SELECT {_slot_rows.columns('s')}, {_venue_rows.columns('v')}, {_court_rows.columns('c')}"  # noqa: S608
                       " FROM booking_slot s JOIN booking_venue v ON v.id = s.venue_id"
                       " JOIN booking_court c ON c.id = s.court_id WHERE s.id = CAST(%s AS bigint)", [slot_id])
        row = cursor.fetchone()
    if row is None:
        raise errors.SlotNotFound()
    slot = _slot_rows.load(row)
    slot.venue = _venue_rows.load(row, _slot_rows.width)
    slot.court = _court_rows.load(row, _slot_rows.width + _venue_rows.width)
    return slot


def slots_available(*, sport: str | None, date: dt.date, time_from: dt.time | None = None,
                    time_to: dt.time | None = None, near: tuple[float, float] | None = None,
                    radius_m: int | None = None, town: str | None = None, venue_id: int | None = None,
                    party_size: int = 1, now: dt.datetime | None = None,
                    limit: int = 20) -> list[tuple[Slot, float | None]]:
    """Bookable slots for a sport on a date and time range, near a place or in a town (chat's
    ``venue.book``): (slot, distance in metres or None), earliest first, then nearest."""
    now = now or timezone.now()
    sport = normalise_sport(sport)
    distances: dict[int, float | None] = {}
    if venue_id is not None:
        distances[venue_id] = None
    else:
        for hit in venues_search(near=near, radius_m=radius_m, sport=sport, town=town, now=now):
            if hit.venue.bookable:
                distances[hit.venue.pk] = hit.distance_m
    if not distances:
        return []
    tz = timezone.get_current_timezone()
    day_start, day_end = _day_bounds(date)
    start = dt.datetime.combine(date, time_from, tzinfo=tz) if time_from else day_start
    end = dt.datetime.combine(date, time_to, tzinfo=tz) if time_to else day_end
    qs = Slot.objects.filter(
        venue_id__in=list(distances), start__gte=max(start, now), start__lt=end, state=Slot.State.OPEN,
        opens_at__lte=now, remaining__gte=1,
    ).select_related("venue", "court")
    if sport:
        qs = qs.filter(sport=sport)
    slots = [s for s in qs.order_by("start")[: limit * 10] if s.remaining >= s.court.units_for(party_size)]
    slots.sort(key=lambda s: (s.start, distances.get(s.venue_id) or 0.0, s.court.name))
    return [(s, distances.get(s.venue_id)) for s in slots[:limit]]


# --- bookings --------------------------------------------------------------------------------------


def bookings_of_resident(*, resident: User, scope: str = "all", now: dt.datetime | None = None) -> QuerySet[Booking]:
    """A resident's bookings: ``upcoming`` (confirmed, not ended; soonest first), ``past`` or ``all``."""
    now = now or timezone.now()
    qs = Booking.objects.filter(resident=resident).select_related("slot__court", "venue")
    if scope == "upcoming":
        return qs.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN], ends_at__gt=now).order_by(
            "starts_at")
    if scope == "past":
        return qs.filter(Q(ends_at__lte=now) | Q(status__in=[BookingStatus.CANCELLED, BookingStatus.NO_SHOW]))
    return qs.order_by("-starts_at", "-id")


def bookings_cancelled_by_venue(*, resident: User, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """A resident's bookings of slots still to come that the venue cancelled (a slot or a day
    blocked), soonest first: 我的预约 says so rather than nothing."""
    now = now or timezone.now()
    return (bookings_of_resident(resident=resident)
            .filter(status=BookingStatus.CANCELLED, cancelled_by_venue=True, ends_at__gt=now).order_by("starts_at"))


def booking_of_resident(*, resident: User, booking_id: int) -> Booking:
    booking = bookings_of_resident(resident=resident).filter(pk=booking_id).first()
    if booking is None:
        raise errors.BookingNotFound()
    return booking


def waitlist_of_resident(*, resident: User) -> QuerySet[WaitlistEntry]:
    return (WaitlistEntry.objects.filter(resident=resident)
            .select_related("slot__venue", "slot__court").order_by("-created_at"))


def waitlist_open_of_resident(*, resident: User, now: dt.datetime | None = None) -> QuerySet[WaitlistEntry]:
    """A resident's waiting-list places still open (waiting, or offered) for slots to come, soonest first."""
    now = now or timezone.now()
    return (waitlist_of_resident(resident=resident)
            .filter(slot__start__gt=now, status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED])
            .order_by("slot__start"))


def waitlist_offers_of_resident(*, resident: User, lapsed_since: dt.datetime,
                                now: dt.datetime | None = None) -> QuerySet[WaitlistEntry]:
    """A resident's waiting-list offers for slots to come, the latest first: those still held, and
    those whose time ran out after ``lapsed_since`` (expired, or not yet passed on by the task) — a
    yes in the chat answers them, and one too late is told so."""
    now = now or timezone.now()
    return (waitlist_of_resident(resident=resident)
            .filter(slot__start__gt=now, offered_at__isnull=False, offer_expires_at__gt=lapsed_since,
                    status__in=[WaitlistEntry.Status.OFFERED, WaitlistEntry.Status.EXPIRED])
            .order_by("-offered_at", "-id"))


def waitlist_position(entry: WaitlistEntry) -> int | None:
    if entry.status != WaitlistEntry.Status.WAITING:
        return None
    return WaitlistEntry.objects.filter(slot_id=entry.slot_id, status=WaitlistEntry.Status.WAITING).filter(
        Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, id__lt=entry.pk)).count() + 1


def bookings_of_venue(*, staff: User, venue_id: int, date: dt.date | None = None,
                      status: str | None = None) -> QuerySet[Booking]:
    """Bookings of a venue the staff member manages (403 otherwise)."""
    check_manages(staff, venue_id)
    qs = Booking.objects.filter(venue_id=venue_id).select_related("slot__court", "resident", "venue")
    if date:
        start, end = _day_bounds(date)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("starts_at", "slot__court__name", "id")


def venues_managed(*, staff: User) -> QuerySet[Venue]:
    ids = managed_venue_ids(staff)
    qs = Venue.objects.exclude(kind=Venue.Kind.FITNESS_POINT).order_by("town", "name")
    return qs if ids is None else qs.filter(pk__in=ids)


# --- utilisation -----------------------------------------------------------------------------------


@dataclass
class Utilisation:
    """Places taken / places offered per venue and hour of day (slots not blocked)."""

    date_from: dt.date
    date_to: dt.date
    hours: list[int]
    rows: list[dict]  # {"venue": Venue, "cells": {hour: {"taken", "capacity", "rate"}}, "total": {...}}


def utilisation(*, venue_ids: list[int] | None, date_from: dt.date, date_to: dt.date) -> Utilisation:
    """Utilisation per venue and hour between two local dates (inclusive), one grouped query."""
    start, _ = _day_bounds(date_from)
    _, end = _day_bounds(date_to)
    venues = Venue.objects.exclude(kind=Venue.Kind.FITNESS_POINT).order_by("town", "name")
    if venue_ids is not None:
        venues = venues.filter(pk__in=venue_ids)
    venues = list(venues)
    tz = timezone.get_current_timezone()
    grouped = (Slot.objects.filter(venue__in=venues, start__gte=start, start__lt=end)
               .exclude(state=Slot.State.BLOCKED)
               .annotate(hour=ExtractHour("start", tzinfo=tz)).values("venue_id", "hour")
               .annotate(capacity=Sum("capacity"), remaining=Sum("remaining")).order_by())
    cells: dict[int, dict[int, dict]] = {}
    hours: set[int] = set()
    for row in grouped:
        taken = row["capacity"] - row["remaining"]
        cells.setdefault(row["venue_id"], {})[row["hour"]] = {
            "taken": taken, "capacity": row["capacity"], "rate": taken / row["capacity"] if row["capacity"] else 0.0}
        hours.add(row["hour"])
    rows = []
    for venue in venues:
        by_hour = cells.get(venue.pk, {})
        taken = sum(c["taken"] for c in by_hour.values())
        capacity = sum(c["capacity"] for c in by_hour.values())
        rows.append({"venue": venue, "cells": by_hour,
                     "total": {"taken": taken, "capacity": capacity, "rate": taken / capacity if capacity else 0.0}})
    return Utilisation(date_from=date_from, date_to=date_to, hours=sorted(hours) or list(range(6, 22)), rows=rows)


# --- fitness guidance ----------------------------------------------------------------------------------


def fitness_guides(*, q: str | None = None, near: tuple[float, float] | None = None, radius_m: int | None = None,
                   venues_per_sport: int = 3, now: dt.datetime | None = None) -> list[dict]:
    """Guides matching ``q`` (a condition or goal in everyday words; all guides without ``q``), each
    with nearby venues for its recommended sports when ``near`` is given."""
    guides = fitness.search(q)
    if near is None:
        return [dict(g, nearby_venues=[]) for g in guides]
    out = []
    for guide in guides:
        nearby: list[dict] = []
        seen: set[int] = set()
        for sport in guide["venue_sports"]:
            hits = venues_search(near=near, radius_m=radius_m or 3000, sport=sport, now=now)
            for hit in hits[:venues_per_sport]:
                if hit.venue.pk in seen:
                    continue
                seen.add(hit.venue.pk)
                nearby.append({"id": hit.venue.pk, "name": hit.venue.name, "sport": sport,
                               "distance_m": round(hit.distance_m), "is_free": hit.venue.is_free,
                               "bookable": hit.venue.bookable})
        nearby.sort(key=lambda v: v["distance_m"])
        out.append(dict(guide, nearby_venues=nearby))
    return out
