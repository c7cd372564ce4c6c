"""Booking rules through the actions: real name, window, capacity, limits, suspension, deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from booking import actions, errors
from booking.models import Booking, Court, Slot, Suspension, Venue
from tests.booking.conftest import make_court, make_resident, make_slot, make_staff, make_venue

pytestmark = pytest.mark.django_db


def _capacity_balance(slot: Slot) -> int:
    """capacity − remaining − places held by bookings and offers: always 0."""
    slot.refresh_from_db()
    used = sum(b.units for b in Booking.objects.filter(slot=slot).exclude(status="cancelled"))
    held = sum(e.held_units for e in slot.waitlist.all())
    return slot.capacity - slot.remaining - used - held


def test_booking_create_takes_the_place_and_returns_a_confirmed_booking(resident, slot):
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    slot.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.resident == resident
    assert slot.remaining == 0
    assert booking.checkin_closes_at == slot.start + dt.timedelta(minutes=15)
    assert _capacity_balance(slot) == 0


def test_booking_create_refuses_without_realname(slot):
    anonymous_name = make_resident(realname=False)
    with pytest.raises(errors.RealnameRequired):
        actions.booking_create(resident=anonymous_name, slot_id=slot.pk)
    slot.refresh_from_db()
    assert slot.remaining == 1


def test_booking_create_refuses_when_slot_full(resident, slot):
    actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    with pytest.raises(errors.SlotFull) as refusal:
        actions.booking_create(resident=resident, slot_id=slot.pk)
    assert refusal.value.code == "slot_full"
    assert Booking.objects.filter(slot=slot).count() == 1


def test_booking_create_refuses_before_the_release_time(resident, court):
    opens = timezone.now() + dt.timedelta(hours=3)
    slot = make_slot(court, start=timezone.now() + dt.timedelta(days=7), opens_at=opens)
    with pytest.raises(errors.WindowNotOpen) as refusal:
        actions.booking_create(resident=resident, slot_id=slot.pk)
    assert refusal.value.code == "window_not_open"
    assert "开放预约" in str(refusal.value.message)
    # At the release time the same slot is bookable.
    booking = actions.booking_create(resident=resident, slot_id=slot.pk, now=opens)
    assert booking.status == "confirmed"


def test_booking_create_refuses_a_slot_that_has_started(resident, court):
    slot = make_slot(court, start=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(errors.SlotClosed):
        actions.booking_create(resident=resident, slot_id=slot.pk)


def test_booking_create_refuses_a_second_booking_of_the_same_slot(resident, court):
    slot = make_slot(make_court(court.venue, unit=Court.Unit.PERSON, capacity=20, sport="游泳"))
    actions.booking_create(resident=resident, slot_id=slot.pk)
    with pytest.raises(errors.AlreadyBooked):
        actions.booking_create(resident=resident, slot_id=slot.pk)


def test_person_sessions_take_one_place_per_person(resident, venue):
    pool = make_court(venue, sport="游泳", unit=Court.Unit.PERSON, capacity=5, max_party_size=4)
    slot = make_slot(pool)
    actions.booking_create(resident=resident, slot_id=slot.pk, party_size=3, companions=["张三", "李四"])
    slot.refresh_from_db()
    assert slot.remaining == 2
    with pytest.raises(errors.SlotFull):
        actions.booking_create(resident=make_resident(), slot_id=slot.pk, party_size=3)
    actions.booking_create(resident=make_resident(), slot_id=slot.pk, party_size=2)
    assert _capacity_balance(slot) == 0


def test_party_larger_than_the_court_allows_is_refused(resident, slot):
    with pytest.raises(errors.PartyTooLarge):
        actions.booking_create(resident=resident, slot_id=slot.pk, party_size=5)


def test_fitness_points_cannot_be_booked(resident):
    point = make_venue(kind=Venue.Kind.FITNESS_POINT, is_free=True)
    slot = make_slot(make_court(point))
    with pytest.raises(errors.NotBookable):
        actions.booking_create(resident=resident, slot_id=slot.pk)


def test_active_booking_limit(resident):
    venue = make_venue(max_active_per_resident=2, max_per_day_per_resident=10, max_per_venue_per_day=10)
    court = make_court(venue)
    start = timezone.now() + dt.timedelta(days=1)
    slots = [make_slot(court, start=start + dt.timedelta(days=i)) for i in range(3)]
    actions.booking_create(resident=resident, slot_id=slots[0].pk)
    actions.booking_create(resident=resident, slot_id=slots[1].pk)
    with pytest.raises(errors.LimitReached) as refusal:
        actions.booking_create(resident=resident, slot_id=slots[2].pk)
    assert refusal.value.code == "limit_reached"
    assert refusal.value.extra["limit"] == "active"
    slots[2].refresh_from_db()
    assert slots[2].remaining == 1


def test_per_day_limit_counts_bookings_across_venues(resident):
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    slots = []
    for i in range(3):
        venue = make_venue(max_per_day_per_resident=2, max_active_per_resident=10)
        slots.append(make_slot(make_court(venue), start=start + dt.timedelta(hours=i)))
    actions.booking_create(resident=resident, slot_id=slots[0].pk)
    actions.booking_create(resident=resident, slot_id=slots[1].pk)
    with pytest.raises(errors.LimitReached) as refusal:
        actions.booking_create(resident=resident, slot_id=slots[2].pk)
    assert refusal.value.extra["limit"] == "per_day"


def test_per_venue_per_day_limit(resident):
    venue = make_venue(max_per_venue_per_day=1)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    first = make_slot(make_court(venue), start=start)
    second = make_slot(make_court(venue), start=start + dt.timedelta(hours=2))
    next_day = make_slot(make_court(venue), start=start + dt.timedelta(days=1))
    actions.booking_create(resident=resident, slot_id=first.pk)
    with pytest.raises(errors.LimitReached) as refusal:
        actions.booking_create(resident=resident, slot_id=second.pk)
    assert refusal.value.extra["limit"] == "per_venue_per_day"
    assert actions.booking_create(resident=resident, slot_id=next_day.pk).status == "confirmed"


def test_cancelled_bookings_do_not_count_towards_limits(resident):
    venue = make_venue(max_per_venue_per_day=1)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    first = make_slot(make_court(venue), start=start)
    second = make_slot(make_court(venue), start=start + dt.timedelta(hours=2))
    booking = actions.booking_create(resident=resident, slot_id=first.pk)
    actions.booking_cancel(resident=resident, booking_id=booking.pk)
    assert actions.booking_create(resident=resident, slot_id=second.pk).status == "confirmed"


def test_cancel_before_the_deadline_frees_the_place(resident, slot):
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    cancelled = actions.booking_cancel(resident=resident, booking_id=booking.pk)
    slot.refresh_from_db()
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at is not None
    assert slot.remaining == 1
    assert _capacity_balance(slot) == 0


def test_cancel_after_the_deadline_is_refused(resident, court):
    slot = make_slot(court, start=timezone.now() + dt.timedelta(hours=3))
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    with pytest.raises(errors.CancelDeadlinePassed) as refusal:
        actions.booking_cancel(resident=resident, booking_id=booking.pk,
                               now=timezone.now() + dt.timedelta(hours=1, minutes=1))
    assert "120 分钟" in str(refusal.value.message)
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    # One minute earlier (2 h 59 min before the start) it was still allowed.
    assert actions.booking_cancel(resident=resident, booking_id=booking.pk,
                                  now=timezone.now() + dt.timedelta(minutes=59)).status == "cancelled"


def test_cancel_deadline_is_configurable_per_venue(resident):
    venue = make_venue(cancel_deadline_minutes=30)
    slot = make_slot(make_court(venue), start=timezone.now() + dt.timedelta(minutes=45))
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    assert actions.booking_cancel(resident=resident, booking_id=booking.pk).status == "cancelled"


def test_a_resident_cannot_cancel_someone_elses_booking(resident, slot):
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    with pytest.raises(errors.BookingNotFound):
        actions.booking_cancel(resident=make_resident(), booking_id=booking.pk)


def test_cancelling_twice_is_refused(resident, slot):
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    actions.booking_cancel(resident=resident, booking_id=booking.pk)
    with pytest.raises(errors.NotCancellable):
        actions.booking_cancel(resident=resident, booking_id=booking.pk)
    slot.refresh_from_db()
    assert slot.remaining == 1


def _no_show(resident, court, when: dt.datetime) -> Booking:
    slot = make_slot(court, start=when, opens_at=when - dt.timedelta(days=3))
    booking = actions.booking_create(resident=resident, slot_id=slot.pk, now=when - dt.timedelta(days=1))
    actions.no_shows_mark(now=when + dt.timedelta(minutes=16))
    booking.refresh_from_db()
    assert booking.status == "no_show"
    return booking


def test_three_no_shows_in_thirty_days_suspend_booking_for_seven_days(resident):
    venue = make_venue(max_active_per_resident=10, max_per_day_per_resident=10, max_per_venue_per_day=10)
    court = make_court(venue)
    base = (timezone.now() - dt.timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    _no_show(resident, court, base)
    _no_show(resident, court, base + dt.timedelta(days=5))
    assert not Suspension.objects.filter(resident=resident).exists()
    third = base + dt.timedelta(days=10)
    _no_show(resident, court, third)
    suspension = Suspension.objects.get(resident=resident)
    assert suspension.ends_at - suspension.starts_at == dt.timedelta(days=7)

    during = suspension.starts_at + dt.timedelta(days=6)
    later_slot = make_slot(court, start=during + dt.timedelta(days=1), opens_at=during - dt.timedelta(days=1))
    with pytest.raises(errors.Suspended) as refusal:
        actions.booking_create(resident=resident, slot_id=later_slot.pk, now=during)
    assert refusal.value.code == "suspended"
    after = suspension.ends_at + dt.timedelta(minutes=1)
    after_slot = make_slot(court, start=after + dt.timedelta(days=1), opens_at=after - dt.timedelta(days=1))
    assert actions.booking_create(resident=resident, slot_id=after_slot.pk, now=after).status == "confirmed"


def test_no_shows_older_than_thirty_days_do_not_count(resident):
    venue = make_venue(max_active_per_resident=10, max_per_day_per_resident=10, max_per_venue_per_day=10)
    court = make_court(venue)
    now = timezone.now()
    _no_show(resident, court, (now - dt.timedelta(days=40)).replace(minute=0, second=0, microsecond=0))
    _no_show(resident, court, (now - dt.timedelta(days=10)).replace(minute=0, second=0, microsecond=0))
    _no_show(resident, court, (now - dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0))
    assert not Suspension.objects.filter(resident=resident).exists()


def test_no_show_task_leaves_checked_in_and_future_bookings_alone(resident, court, manager):
    start = timezone.now() + dt.timedelta(minutes=5)
    slot = make_slot(court, start=start)
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    assert actions.no_shows_mark(now=start + dt.timedelta(minutes=14)) == 0
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert actions.no_shows_mark(now=start + dt.timedelta(minutes=15)) == 1
    assert actions.no_shows_mark(now=start + dt.timedelta(minutes=20)) == 0  # idempotent


def test_staff_mark_no_show_only_after_the_checkin_window(resident, court, manager):
    start = timezone.now() - dt.timedelta(minutes=10)
    slot = make_slot(court, start=start, opens_at=start - dt.timedelta(days=1))
    booking = actions.booking_create(resident=resident, slot_id=slot.pk, now=start - dt.timedelta(hours=3))
    with pytest.raises(errors.NoShowTooEarly):
        actions.booking_mark_no_show(staff=manager, booking_id=booking.pk)
    marked = actions.booking_mark_no_show(staff=manager, booking_id=booking.pk, now=start + dt.timedelta(minutes=16))
    assert marked.status == "no_show"


def test_staff_of_another_venue_cannot_mark_no_show(resident, slot):
    """Another venue's booking is not found, as a missing one is (it was 403 not_venue_staff)."""
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    outsider = make_staff(venues=(make_venue(),))
    with pytest.raises(errors.BookingNotFound):
        actions.booking_mark_no_show(staff=outsider, booking_id=booking.pk, now=slot.start + dt.timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_blocking_a_slot_cancels_its_bookings_and_refuses_new_ones(resident, slot, manager):
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    blocked = actions.slot_block(staff=manager, slot_id=slot.pk, reason="地板维修")
    booking.refresh_from_db()
    assert blocked.state == "blocked"
    assert booking.status == "cancelled" and booking.cancelled_by_venue
    assert resident.notifications.filter(template="booking.cancelled_by_venue").exists()
    with pytest.raises(errors.SlotUnavailable):
        actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    actions.slot_unblock(staff=manager, slot_id=slot.pk)
    assert actions.booking_create(resident=make_resident(), slot_id=slot.pk).status == "confirmed"


def test_a_manager_cannot_block_slots_of_a_venue_they_do_not_manage(slot):
    """Another venue's slot is not found, as a missing one is (it was 403 not_venue_staff)."""
    outsider = make_staff(venues=(make_venue(),))
    with pytest.raises(errors.SlotNotFound):
        actions.slot_block(staff=outsider, slot_id=slot.pk, reason="x")
    slot.refresh_from_db()
    assert slot.state == "open"
    with pytest.raises(errors.NotVenueStaff):  # a resident is no venue staff at all: still 403
        actions.slot_block(staff=make_resident(), slot_id=slot.pk, reason="x")


def test_reminders_are_queued_once_for_bookings_starting_within_two_hours(resident, court,
                                                                         django_capture_on_commit_callbacks):
    soon = make_slot(court, start=timezone.now() + dt.timedelta(minutes=90))
    later = make_slot(court, start=timezone.now() + dt.timedelta(hours=5))
    b1 = actions.booking_create(resident=resident, slot_id=soon.pk)
    actions.booking_create(resident=make_resident(), slot_id=later.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.reminders_send() == 1
    assert actions.reminders_send() == 0
    note = resident.notifications.get(template="booking.reminder")
    assert note.data["booking"] == b1.pk
    assert note.status == "sent"  # delivered after commit by the (eager) task


def test_bookings_complete_after_the_slot_ends(resident, court, manager):
    from booking import checkin

    start = timezone.now() + dt.timedelta(minutes=5)
    slot = make_slot(court, start=start)
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    token, _ = checkin.issue(booking_id=booking.pk, secret=booking.checkin_secret, now=start)
    actions.booking_checkin(staff=manager, token=token, venue_id=court.venue_id, now=start)
    assert actions.bookings_complete(now=slot.end - dt.timedelta(minutes=1)) == 0
    assert actions.bookings_complete(now=slot.end) == 1
    booking.refresh_from_db()
    assert booking.status == "completed"


def test_a_booking_that_leaves_plenty_of_places_spares_the_gate_asking_the_shared_store(monkeypatch, venue):
    from booking import shared, soldout

    pool = make_court(venue, sport="游泳", unit=Court.Unit.PERSON, capacity=100, max_party_size=1)
    plenty, few = make_slot(pool, capacity=soldout.PLENTY + 1), make_slot(pool, capacity=soldout.PLENTY,
                                                                        start=timezone.now() + dt.timedelta(days=2))
    asked = []
    monkeypatch.setattr(shared, "get", lambda name: asked.append(name))
    actions.booking_create(resident=make_resident(), slot_id=plenty.pk)  # PLENTY places left
    actions.booking_create(resident=make_resident(), slot_id=few.pk)  # fewer
    assert not soldout.is_sold_out(plenty.pk) and asked == []
    assert not soldout.is_sold_out(few.pk) and len(asked) == 1
