"""The read side the chat skills call: slots for a sport, date and time range near a place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from booking import actions, queries
from booking.models import Court
from tests.booking.conftest import make_court, make_resident, make_slot, make_venue

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_slots_available_for_a_sport_date_and_time_range_nearest_first():
    day = timezone.localdate() + dt.timedelta(days=2)
    near = make_venue(name="近馆", lat=31.2040, lng=121.5910, sports=["羽毛球"])
    far = make_venue(name="远馆", lat=31.2100, lng=121.5906, sports=["羽毛球"])
    pool = make_venue(name="泳馆", lat=31.2041, lng=121.5911, sports=["游泳"])
    s_far = make_slot(make_court(far), start=_at(day, 14))
    s_near = make_slot(make_court(near), start=_at(day, 14))
    make_slot(make_court(near), start=_at(day, 9))                  # morning: outside 12:00–18:00
    make_slot(make_court(pool, sport="游泳", unit=Court.Unit.PERSON, capacity=30), start=_at(day, 14))
    full = make_slot(make_court(near), start=_at(day, 15))
    actions.booking_create(resident=make_resident(), slot_id=full.pk)

    found = queries.slots_available(sport="羽毛球", date=day, time_from=dt.time(12), time_to=dt.time(18),
                                    near=(31.2036, 121.5906))
    assert [s.pk for s, _ in found] == [s_near.pk, s_far.pk]
    assert found[0][1] < found[1][1]
    assert queries.slots_available(sport="badminton", date=day, town="张江") != []
    assert queries.slots_available(sport="羽毛球", date=day, near=(31.40, 121.90)) == []


def test_bookings_of_resident_upcoming_are_soonest_first_and_exclude_cancelled(resident, court):
    later = make_slot(court, start=timezone.now() + dt.timedelta(days=2))
    sooner = make_slot(make_court(make_venue()), start=timezone.now() + dt.timedelta(days=1))
    cancelled = make_slot(make_court(make_venue()), start=timezone.now() + dt.timedelta(days=3))
    b_later = actions.booking_create(resident=resident, slot_id=later.pk)
    b_sooner = actions.booking_create(resident=resident, slot_id=sooner.pk)
    b_cancelled = actions.booking_create(resident=resident, slot_id=cancelled.pk)
    actions.booking_cancel(resident=resident, booking_id=b_cancelled.pk)
    upcoming = list(queries.bookings_of_resident(resident=resident, scope="upcoming"))
    assert [b.pk for b in upcoming] == [b_sooner.pk, b_later.pk]
    assert b_cancelled.pk in [b.pk for b in queries.bookings_of_resident(resident=resident, scope="past")]


def test_the_chat_path_finds_offers_and_books_a_real_slot_that_the_api_then_lists(api):
    """What venue.book does once wired: query → slot cards → the same action as REST → booking card."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from booking import cards

    day = timezone.localdate() + dt.timedelta(days=1)
    venue = make_venue(name="张江测试中心", lat=31.2040, lng=121.5910)
    slot = make_slot(make_court(venue, name="2号场"), start=_at(day, 14))
    resident = make_resident()

    found = queries.slots_available(sport="羽毛球", date=day, time_from=dt.time(12), time_to=dt.time(18),
                                    near=(31.2036, 121.5906))
    offered = [cards.slot_card(s, d) for s, d in found]
    assert offered[0]["type"] == "slot" and offered[0]["id"] == slot.pk
    assert offered[0]["title"].startswith("张江测试中心 2号场") and offered[0]["title"].endswith("14:00-15:00")

    booking = actions.booking_create(resident=resident, slot_id=offered[0]["id"])
    card = cards.booking_card(booking)
    assert card["type"] == "booking" and card["status"] == "confirmed"

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(resident).access_token}")
    listed = api.get("/api/v1/bookings/").json()["results"]
    assert [b["id"] for b in listed] == [booking.pk]
    hits = queries.venues_search(near=(31.2036, 121.5906), sport="羽毛球")
    queries.annotate_free_places(hits)
    assert cards.venue_card(hits[0])["title"] == "张江测试中心"
