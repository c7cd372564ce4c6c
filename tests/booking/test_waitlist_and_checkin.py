"""Waiting list with timed offers; rotating check-in tokens validated by venue staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from booking import actions, checkin, errors
from booking.models import Booking, WaitlistEntry
from tests.booking.conftest import make_court, make_resident, make_slot, make_staff, make_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_slot(slot):
    holder = make_resident()
    booking = actions.booking_create(resident=holder, slot_id=slot.pk)
    return slot, holder, booking


def test_joining_the_waiting_list_needs_a_full_slot(resident, slot):
    with pytest.raises(errors.WaitlistNotNeeded):
        actions.waitlist_join(resident=resident, slot_id=slot.pk)


def test_joining_twice_is_refused(resident, full_slot):
    slot, _, _ = full_slot
    actions.waitlist_join(resident=resident, slot_id=slot.pk)
    with pytest.raises(errors.AlreadyWaiting):
        actions.waitlist_join(resident=resident, slot_id=slot.pk)


def _two_in_line_then_cancel(full_slot):
    """Two residents queue for the full slot, then its holder cancels: the first is offered the place."""
    slot, holder, booking = full_slot
    first, second = make_resident(), make_resident()
    e1 = actions.waitlist_join(resident=first, slot_id=slot.pk)
    e2 = actions.waitlist_join(resident=second, slot_id=slot.pk)
    now = timezone.now()
    actions.booking_cancel(resident=holder, booking_id=booking.pk, now=now)
    return slot, (first, e1), (second, e2), now


def test_a_cancellation_offers_the_place_to_the_first_in_line(full_slot):
    slot, (first, e1), (_, e2), now = _two_in_line_then_cancel(full_slot)
    e1.refresh_from_db()
    e2.refresh_from_db()
    slot.refresh_from_db()
    assert e1.status == "offered" and e1.held_units == 1
    assert e1.offer_expires_at == now + dt.timedelta(minutes=10)
    assert e2.status == "waiting"
    assert slot.remaining == 0  # held for the offer, not up for grabs
    with pytest.raises(errors.SlotFull):
        actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    assert first.notifications.filter(template="booking.waitlist_offer").exists()

    booking = actions.waitlist_accept(resident=first, entry_id=e1.pk, now=now + dt.timedelta(minutes=9))
    e1.refresh_from_db()
    assert booking.status == "confirmed" and booking.resident == first
    assert e1.status == "accepted" and e1.held_units == 0 and e1.booking_id == booking.pk
    slot.refresh_from_db()
    assert slot.remaining == 0


def test_an_expired_offer_passes_to_the_next_in_line_then_back_to_the_slot(full_slot):
    slot, (first, e1), (_, e2), now = _two_in_line_then_cancel(full_slot)

    assert actions.waitlist_offers_expire(now=now + dt.timedelta(minutes=9)) == 0
    assert actions.waitlist_offers_expire(now=now + dt.timedelta(minutes=10)) == 1
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert e1.status == "expired" and e1.held_units == 0
    assert e2.status == "offered" and e2.held_units == 1
    with pytest.raises(errors.OfferExpired):
        actions.waitlist_accept(resident=first, entry_id=e1.pk, now=now + dt.timedelta(minutes=11))

    later = now + dt.timedelta(minutes=21)
    assert actions.waitlist_offers_expire(now=later) == 1
    assert actions.waitlist_offers_expire(now=later) == 0  # idempotent
    slot.refresh_from_db()
    assert slot.remaining == 1  # nobody left in line: the place is bookable again
    assert actions.booking_create(resident=make_resident(), slot_id=slot.pk).status == "confirmed"


def test_declining_an_offer_passes_it_on(full_slot):
    slot, holder, booking = full_slot
    first, second = make_resident(), make_resident()
    e1 = actions.waitlist_join(resident=first, slot_id=slot.pk)
    e2 = actions.waitlist_join(resident=second, slot_id=slot.pk)
    actions.booking_cancel(resident=holder, booking_id=booking.pk)
    actions.waitlist_leave(resident=first, entry_id=e1.pk)
    e2.refresh_from_db()
    assert e2.status == "offered"


def test_blocking_a_slot_tells_its_waiting_list_and_an_offer_then_says_maintenance(full_slot, manager):
    """The resident holding an offer was told 有空位了; when the venue closes the slot they hear
    why, and confirming says maintenance — not that their time ran out and the place went on."""
    slot, (offered, e1), (waiting, e2), now = _two_in_line_then_cancel(full_slot)
    actions.slot_block(staff=manager, slot_id=slot.pk, reason="灯光检修", now=now + dt.timedelta(minutes=1))
    for resident, entry in ((offered, e1), (waiting, e2)):
        entry.refresh_from_db()
        assert entry.status == "expired" and entry.held_units == 0
        note = resident.notifications.get(template="booking.waitlist_closed_by_venue")
        assert "灯光检修" in note.body and note.data["waitlist_entry"] == entry.pk
    with pytest.raises(errors.SlotUnavailable):
        actions.waitlist_accept(resident=offered, entry_id=e1.pk, now=now + dt.timedelta(minutes=2))


def test_offers_never_outlive_the_slot_start(resident, court):
    slot = make_slot(court, start=timezone.now() + dt.timedelta(hours=2, minutes=5))
    holder = make_resident()
    booking = actions.booking_create(resident=holder, slot_id=slot.pk)
    entry = actions.waitlist_join(resident=resident, slot_id=slot.pk)
    actions.booking_cancel(resident=holder, booking_id=booking.pk, now=slot.start - dt.timedelta(minutes=125))
    entry.refresh_from_db()
    assert entry.offer_expires_at <= slot.start


# --- check-in ------------------------------------------------------------------------------------------


@pytest.fixture
def booked(resident, court, manager):
    start = timezone.now() + dt.timedelta(minutes=10)
    slot = make_slot(court, start=start)
    booking = actions.booking_create(resident=resident, slot_id=slot.pk)
    return booking, manager, start


def test_checkin_with_a_fresh_token_checks_the_booking_in(booked):
    booking, manager, start = booked
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=start)["token"]
    checked = actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=start)
    assert checked.status == "checked_in"
    assert checked.checked_in_by == manager


def test_checkin_token_replay_is_refused(booked):
    booking, manager, start = booked
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=start)["token"]
    actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=start)
    with pytest.raises(errors.CheckinAlreadyUsed):
        actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=start)


def test_checkin_at_the_wrong_venue_is_refused(booked):
    booking, _, start = booked
    other = make_venue()
    other_manager = make_staff(venues=(other,))
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=start)["token"]
    with pytest.raises(errors.CheckinWrongVenue):
        actions.booking_checkin(staff=other_manager, token=token, venue_id=other.pk, now=start)
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_staff_cannot_check_in_at_a_venue_they_do_not_manage(booked):
    booking, _, start = booked
    outsider = make_staff(venues=(make_venue(),))
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=start)["token"]
    with pytest.raises(errors.NotVenueStaff):
        actions.booking_checkin(staff=outsider, token=token, venue_id=booking.venue_id, now=start)
    with pytest.raises(errors.NotVenueStaff):  # a resident is not staff at all
        actions.booking_checkin(staff=make_resident(), token=token, venue_id=booking.venue_id, now=start)


def test_checkin_outside_the_window_is_refused(booked):
    booking, manager, start = booked
    early = start - dt.timedelta(minutes=16)
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=early)["token"]
    with pytest.raises(errors.CheckinOutsideWindow):
        actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=early)
    late = start + dt.timedelta(minutes=16)
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=late)["token"]
    with pytest.raises(errors.CheckinOutsideWindow):
        actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=late)
    edge = start - dt.timedelta(minutes=15)
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=edge)["token"]
    checked = actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=edge)
    assert checked.status == "checked_in"


def test_checkin_token_rotates_and_goes_stale(booked):
    booking, manager, start = booked
    token = actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=start)["token"]
    later = start + dt.timedelta(seconds=30)
    assert actions.checkin_token_issue(resident=booking.resident, booking_id=booking.pk, now=later)["token"] != token
    with pytest.raises(errors.CheckinExpired):
        actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id,
                                now=start + dt.timedelta(seconds=61))


def test_forged_or_malformed_tokens_are_refused(booked):
    booking, manager, start = booked
    step = checkin.current_step(start)
    for token in ["", "hello", f"BK1.{booking.pk}.{step}.{'0' * 24}", f"BK1.{booking.pk + 999}.{step}.{'a' * 24}"]:
        with pytest.raises(errors.CheckinInvalid):
            actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=start)
    # A token signed for another booking does not open this one.
    other = actions.booking_create(resident=make_resident(), slot_id=make_slot(
        make_court(booking.venue), start=booking.starts_at).pk)
    real = checkin.issue(booking_id=other.pk, secret=other.checkin_secret, now=start)[0]
    forged = real.replace(f"BK1.{other.pk}.", f"BK1.{booking.pk}.")
    with pytest.raises(errors.CheckinInvalid):
        actions.booking_checkin(staff=manager, token=forged, venue_id=booking.venue_id, now=start)
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_cancelled_bookings_cannot_check_in(booked):
    booking, manager, start = booked
    token = checkin.issue(booking_id=booking.pk, secret=booking.checkin_secret, now=start)[0]
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    with pytest.raises(errors.CheckinNotAllowed):
        actions.booking_checkin(staff=manager, token=token, venue_id=booking.venue_id, now=start)


def test_waitlist_entries_count_is_unique_per_open_entry(resident, full_slot):
    slot, _, _ = full_slot
    entry = actions.waitlist_join(resident=resident, slot_id=slot.pk)
    actions.waitlist_leave(resident=resident, entry_id=entry.pk)
    again = actions.waitlist_join(resident=resident, slot_id=slot.pk)
    assert again.pk != entry.pk
    assert WaitlistEntry.objects.filter(slot=slot, resident=resident).count() == 2
