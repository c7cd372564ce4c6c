"""Opening hours with Chinese holidays, and slot generation from them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from booking import actions, schedule
from booking.models import Court, Slot
from tests.booking.conftest import make_court, make_venue

HOURS = {**{str(d): [["09:00", "21:00"]] for d in range(1, 6)}, "6": [["08:00", "20:00"]],
         "7": [["08:00", "18:00"]], "holiday": [["10:00", "16:00"]]}
T = dt.time


def test_a_regular_weekday_uses_its_own_hours():
    assert schedule.hours_for(HOURS, dt.date(2026, 11, 25)) == [(T(9), T(21))]  # a Wednesday
    assert schedule.hours_for(HOURS, dt.date(2026, 11, 28)) == [(T(8), T(20))]  # a Saturday


def test_a_statutory_holiday_uses_the_holiday_hours():
    assert schedule.day_kind(dt.date(2026, 10, 1)) == schedule.DayKind.HOLIDAY
    assert schedule.hours_for(HOURS, dt.date(2026, 10, 1)) == [(T(10), T(16))]  # 国庆节, a Thursday
    without_override = {k: v for k, v in HOURS.items() if k != "holiday"}
    assert schedule.hours_for(without_override, dt.date(2026, 10, 1)) == [(T(8), T(18))]  # Sunday's


def test_an_adjusted_working_weekend_uses_mondays_hours():
    # 2026-02-14 is a Saturday worked in exchange for the Spring Festival holiday (调休上班).
    assert schedule.day_kind(dt.date(2026, 2, 14)) == schedule.DayKind.ADJUSTED_WORKDAY
    assert schedule.hours_for(HOURS, dt.date(2026, 2, 14)) == [(T(9), T(21))]


def test_a_year_chinesecalendar_does_not_know_falls_back_to_regular_weekday_hours(caplog):
    new_year_2027 = dt.date(2027, 1, 1)  # a Friday; chinesecalendar 1.11.0 stops at 2026
    assert schedule.day_kind(new_year_2027) == schedule.DayKind.UNKNOWN_YEAR
    assert not schedule.calendar_known(new_year_2027)
    assert schedule.hours_for(HOURS, new_year_2027) == [(T(9), T(21))]


def test_a_closed_day_and_split_hours():
    hours = {"1": [], "2": [["13:00", "17:00"], ["08:00", "12:00"]]}
    assert schedule.hours_for(hours, dt.date(2026, 11, 23)) == []
    assert schedule.hours_for(hours, dt.date(2026, 11, 24)) == [(T(8), T(12)), (T(13), T(17))]


@pytest.mark.parametrize("bad", [{"8": []}, {"1": [["10:00"]]}, {"1": [["12:00", "09:00"]]}, {"1": "all day"}, []])
def test_bad_opening_hours_are_rejected(bad):
    with pytest.raises(ValueError):
        schedule.validate_opening_hours(bad)


@pytest.mark.django_db
def test_slots_are_generated_from_opening_hours_and_released_at_the_configured_time():
    venue = make_venue(opening_hours=HOURS, window_days=7, release_time=dt.time(8, 0))
    court = make_court(venue, slot_minutes=60)
    pool = make_court(venue, sport="游泳", unit=Court.Unit.PERSON, capacity=40, slot_minutes=90)
    now = dt.datetime(2026, 11, 24, 6, 0, tzinfo=timezone.get_current_timezone())  # a Tuesday, 06:00
    created = actions.slots_generate(now=now)
    assert created > 0
    wednesday = Slot.objects.filter(court=court, start__date=dt.date(2026, 11, 25)).order_by("start")
    assert wednesday.count() == 12  # 09:00–21:00 in hours
    assert timezone.localtime(wednesday[0].start).time() == T(9)
    assert timezone.localtime(wednesday.last().end).time() == T(21)
    swim = Slot.objects.filter(court=pool, start__date=dt.date(2026, 11, 25))
    assert swim.count() == 8 and swim[0].capacity == swim[0].remaining == 40  # 90-minute sessions
    # Released 7 days ahead at 08:00: next Tuesday's slots open today at 08:00.
    next_tuesday = Slot.objects.filter(court=court, start__date=dt.date(2026, 12, 1)).first()
    assert timezone.localtime(next_tuesday.opens_at) == dt.datetime(2026, 11, 24, 8, 0,
                                                                   tzinfo=timezone.get_current_timezone())
    assert not Slot.objects.filter(start__date=dt.date(2026, 12, 2)).exists()  # beyond the window


@pytest.mark.django_db
def test_slot_generation_is_idempotent_and_keeps_existing_slots():
    venue = make_venue(opening_hours=HOURS)
    court = make_court(venue)
    now = dt.datetime(2026, 11, 24, 6, 0, tzinfo=timezone.get_current_timezone())
    first = actions.slots_generate(now=now)
    taken = Slot.objects.filter(court=court).first()
    Slot.objects.filter(pk=taken.pk).update(remaining=0)
    assert actions.slots_generate(now=now) == 0
    assert Slot.objects.filter(court=court).count() == first
    taken.refresh_from_db()
    assert taken.remaining == 0
    # A day later one more day is added.
    assert actions.slots_generate(now=now + dt.timedelta(days=1)) == 12


@pytest.mark.django_db
def test_slot_generation_across_the_new_year_uses_regular_hours_for_2027():
    venue = make_venue(opening_hours=HOURS)
    court = make_court(venue)
    now = dt.datetime(2026, 12, 28, 6, 0, tzinfo=timezone.get_current_timezone())
    actions.slots_generate(now=now)
    jan1 = Slot.objects.filter(court=court, start__date=dt.date(2027, 1, 1)).order_by("start")
    assert jan1.count() == 12 and timezone.localtime(jan1[0].start).time() == T(9)


@pytest.mark.django_db
def test_fitness_points_and_closed_venues_get_no_slots():
    point = make_venue(kind="fitness_point", opening_hours=HOURS)
    closed = make_venue(status="closed", opening_hours=HOURS)
    make_court(point)
    make_court(closed)
    actions.slots_generate()
    assert not Slot.objects.filter(venue__in=[point, closed]).exists()


def test_the_beat_schedule_runs_every_booking_task():
    from django.conf import settings

    from portal.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ["booking.tasks.slots_generate", "booking.tasks.reminders_send", "booking.tasks.no_shows_mark",
                 "booking.tasks.bookings_complete", "booking.tasks.waitlist_offers_expire"]:
        assert task in scheduled
        assert task in app.tasks


@pytest.mark.django_db
def test_one_venue_with_broken_hours_does_not_stop_the_others():
    from django.core.exceptions import ValidationError

    broken = make_venue(opening_hours={"1": [["21:00", "09:00"]]})
    good = make_venue(opening_hours=HOURS)
    make_court(broken)
    make_court(good)
    with pytest.raises(ValidationError):
        broken.full_clean()
    now = dt.datetime(2026, 11, 24, 6, 0, tzinfo=timezone.get_current_timezone())
    assert actions.slots_generate(now=now) > 0
    assert Slot.objects.filter(venue=good).exists() and not Slot.objects.filter(venue=broken).exists()


def _hours(open_, close):
    return {**{str(d): [[open_, close]] for d in range(1, 8)}, "holiday": [[open_, close]]}


@pytest.mark.django_db
def test_slots_follow_a_change_of_opening_hours(django_capture_on_commit_callbacks):
    """New hours saved in the admin left yesterday's slots bookable and made no new ones until the
    nightly generation: a resident could book 21:00 at a venue now closing at 20:00."""
    from booking.models import BookingStatus
    from portal.connectors.models import Notification
    from tests.booking.conftest import make_resident, make_staff

    now = timezone.now()
    venue = make_venue(opening_hours=_hours("08:00", "22:00"), window_days=2)
    court = make_court(venue)
    manager = make_staff(venues=(venue,))
    actions.slots_generate(now=now, days=2)
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    at = lambda h: dt.datetime.combine(tomorrow, dt.time(h), tzinfo=tz)  # noqa: E731
    late = Slot.objects.get(court=court, start=at(21))
    Slot.objects.filter(pk=late.pk).update(opens_at=now - dt.timedelta(hours=1))
    resident = make_resident()
    booking = actions.booking_create(resident=resident, slot_id=late.pk, now=now)

    venue.opening_hours = _hours("07:00", "20:00")
    venue.save()
    with django_capture_on_commit_callbacks(execute=True):
        done = actions.venue_slots_follow(staff=manager, venue_id=venue.pk, now=now)
    assert done["blocked"] == 1 and done["cancelled_bookings"] == 1 and done["removed"] >= 1
    assert done["created"] >= 1
    slots = {timezone.localtime(s.start).hour: s for s in Slot.objects.filter(court=court, start__date=tomorrow)}
    assert Slot.objects.filter(court=court, start=at(20)).count() == 0  # nobody had it: gone
    assert Slot.objects.get(pk=late.pk).state == "blocked" and Slot.objects.get(pk=late.pk).blocked_reason
    assert Slot.objects.filter(court=court, start=at(7)).exists()
    assert all(s.state == "open" for h, s in slots.items() if h < 20)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by_venue
    assert Notification.objects.filter(user=resident, template="booking.cancelled_by_venue").exists()

    venue.window_days, venue.release_time = 1, dt.time(9, 30)
    venue.save()
    done = actions.venue_slots_follow(staff=manager, venue_id=venue.pk, now=now)
    unreleased = Slot.objects.filter(venue=venue, opens_at__gt=now).exclude(state="blocked")
    assert done["release_moved"] and all(timezone.localtime(s.opens_at).time() == dt.time(9, 30) for s in unreleased)
    assert actions.venue_slots_follow(staff=manager, venue_id=venue.pk, now=now) == {
        "created": 0, "removed": 0, "blocked": 0, "cancelled_bookings": 0, "release_moved": 0}


@pytest.mark.django_db
def test_another_venues_manager_cannot_move_its_slots():
    from portal.core.errors import Forbidden
    from tests.booking.conftest import make_staff

    venue = make_venue()
    with pytest.raises(Forbidden):
        actions.venue_slots_follow(staff=make_staff(venues=(make_venue(),)), venue_id=venue.pk)
