"""Factories for the booking tests: residents, staff, venues, courts and slots; a booking attempt
as the WSGI server hands it to the gate (``booking_environ``, ``through_gate``)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from booking import gate
from booking.models import Court, Slot, Venue
from portal.accounts import roles
from portal.accounts.models import User

_seq = itertools.count(1)
TZ = dt.timezone(dt.timedelta(hours=8))
ALWAYS_OPEN = {**{str(d): [["06:00", "22:00"]] for d in range(1, 8)}, "holiday": [["08:00", "20:00"]]}


def make_resident(*, realname: bool = True, name: str | None = None) -> User:
    n = next(_seq)
    return User.objects.create(
        username=f"r_test_{n}_{uuid.uuid4().hex[:6]}", kind=User.Kind.RESIDENT, display_name=name or f"居民{n}",
        realname_verified_at=timezone.now() if realname else None,
        id_number_index=uuid.uuid4().hex if realname else None, id_number_masked="3101**********0000",
    )


def make_staff(*, role: str = roles.VENUE_MANAGER, venues: tuple[Venue, ...] = ()) -> User:
    n = next(_seq)
    user = User.objects.create(username=f"staff_{n}_{uuid.uuid4().hex[:6]}", kind=User.Kind.STAFF, is_staff=True,
                               display_name=f"管理员{n}")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    for venue in venues:
        venue.managers.add(user)
    return user


def make_venue(**overrides) -> Venue:
    n = next(_seq)
    fields = {"name": f"测试体育中心{n}", "town": "张江镇", "address": f"测试路 {n} 号", "lat": 31.2036,
              "lng": 121.5906, "sports": ["羽毛球"], "opening_hours": ALWAYS_OPEN}
    fields.update(overrides)
    return Venue.objects.create(**fields)


def make_court(venue: Venue, **overrides) -> Court:
    n = next(_seq)
    fields = {"venue": venue, "sport": "羽毛球", "name": f"{n}号场", "unit": Court.Unit.PARTY, "capacity": 1,
              "max_party_size": 4, "slot_minutes": 60, "price": Decimal("40")}
    fields.update(overrides)
    return Court.objects.create(**fields)


def make_slot(court: Court, *, start: dt.datetime | None = None, opens_at: dt.datetime | None = None,
              capacity: int | None = None, minutes: int = 60, **overrides) -> Slot:
    now = timezone.now()
    start = start or (now + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    capacity = capacity if capacity is not None else court.capacity
    return Slot.objects.create(
        court=court, venue=court.venue, sport=court.sport, start=start, end=start + dt.timedelta(minutes=minutes),
        opens_at=opens_at or now - dt.timedelta(days=1), capacity=capacity,
        remaining=overrides.pop("remaining", capacity), price=court.price, **overrides)


@pytest.fixture
def resident(db) -> User:
    return make_resident()


@pytest.fixture
def venue(db) -> Venue:
    return make_venue()


@pytest.fixture
def court(venue) -> Court:
    return make_court(venue)


@pytest.fixture
def slot(court) -> Slot:
    return make_slot(court)


@pytest.fixture
def manager(venue) -> User:
    return make_staff(venues=(venue,))


def booking_environ(body: bytes, token: str | None = None, **extra) -> dict:
    """The WSGI environ of ``POST /api/v1/bookings/`` with this body (and bearer token)."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/bookings/", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(), "REMOTE_ADDR": "127.0.0.1",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    environ.update(extra)
    return environ


def through_gate(environ: dict):
    """(status line, headers, body) as the gate (``booking.gate.wsgi``) answers, or ("passed",
    None, the body Django would read) when it passes the request on."""
    answered = {}

    def django(environ, start_response):
        answered["passed"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        return []

    def start_response(status, headers):
        answered.update(status=status, headers=headers)

    # As Django's test client does: the test's transaction must survive the request's signals.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        body = b"".join(gate.wsgi(django)(environ, start_response))
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    if "passed" in answered:
        return "passed", None, answered["passed"]
    return answered["status"], answered["headers"], body


def assert_passed_on(environs: list[dict]) -> None:
    """Each request went on to Django with its body intact (the gate answered none of them)."""
    for environ in environs:
        sent = environ["wsgi.input"].getvalue()
        outcome, _, read = through_gate(environ)
        assert outcome == "passed" and read == sent, environ
