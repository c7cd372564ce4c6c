"""Never oversell: real concurrent bookers against PostgreSQL (threads, one connection each).

Each thread waits at a barrier and then runs ``booking_create`` in its own transaction, so the
attempts really overlap on the slot's row. Afterwards the books must balance: for every slot,
capacity = remaining + places of non-cancelled bookings + places held for offers.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.utils import timezone

from booking import actions, errors
from booking.models import Booking, Court, Slot
from tests.booking.conftest import make_court, make_resident, make_slot, make_venue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(jobs, workers: int) -> list[str]:
    """Run callables at once (barrier), each in its own thread and DB connection; returns outcome codes."""
    barrier = threading.Barrier(min(workers, len(jobs)))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job):
        try:
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            try:
                job()
                result = "confirmed"
            except errors.PortalError as exc:
                result = exc.code
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, jobs))
    return outcomes


def _assert_books_balance(slot: Slot) -> None:
    slot.refresh_from_db()
    used = sum(b.units for b in Booking.objects.filter(slot=slot).exclude(status="cancelled"))
    held = sum(e.held_units for e in slot.waitlist.all())
    assert 0 <= slot.remaining <= slot.capacity
    assert slot.capacity == slot.remaining + used + held, (slot.pk, slot.capacity, slot.remaining, used, held)


def test_many_bookers_one_court_exactly_one_wins():
    assert connection.vendor == "postgresql"
    slot = make_slot(make_court(make_venue()))
    residents = [make_resident() for _ in range(40)]
    outcomes = _run_concurrently([lambda r=r: actions.booking_create(resident=r, slot_id=slot.pk) for r in residents],
                                 workers=40)
    counts = Counter(outcomes)
    assert counts["confirmed"] == 1, counts
    assert counts["slot_full"] == 39, counts
    assert Booking.objects.filter(slot=slot, status="confirmed").count() == 1
    _assert_books_balance(slot)


def test_many_bookers_many_slots_fill_exactly_the_capacity():
    venue = make_venue(max_per_venue_per_day=10, max_per_day_per_resident=10, max_active_per_resident=10)
    start = timezone.now() + dt.timedelta(days=1)
    slots = [make_slot(make_court(venue, sport="游泳", unit=Court.Unit.PERSON, capacity=3), start=start)
             for _ in range(8)]
    residents = [make_resident() for _ in range(60)]
    rng = random.Random(7)
    choices = [(r, rng.choice(slots)) for r in residents]
    demand = Counter(s.pk for _, s in choices)
    jobs = [lambda r=r, s=s: actions.booking_create(resident=r, slot_id=s.pk) for r, s in choices]
    outcomes = _run_concurrently(jobs, workers=30)
    assert set(outcomes) <= {"confirmed", "slot_full"}
    for slot in slots:
        _assert_books_balance(slot)
        # Each slot sold exactly min(demand, capacity) places: no oversell, no place lost.
        assert slot.capacity - slot.remaining == min(demand[slot.pk], slot.capacity)
    assert Counter(outcomes)["confirmed"] == sum(min(demand[s.pk], 3) for s in slots)


def test_one_resident_firing_many_requests_cannot_exceed_the_limits():
    venue = make_venue(max_active_per_resident=3, max_per_day_per_resident=10, max_per_venue_per_day=10)
    start = timezone.now() + dt.timedelta(days=1)
    slots = [make_slot(make_court(venue), start=start + dt.timedelta(hours=i % 3)) for i in range(12)]
    scalper = make_resident()
    outcomes = _run_concurrently([lambda s=s: actions.booking_create(resident=scalper, slot_id=s.pk) for s in slots],
                                 workers=12)
    assert Counter(outcomes)["confirmed"] == 3, Counter(outcomes)
    assert set(outcomes) <= {"confirmed", "limit_reached"}
    assert Booking.objects.filter(resident=scalper, status="confirmed").count() == 3
    for slot in slots:
        _assert_books_balance(slot)


def test_one_resident_double_submitting_the_same_session_books_once():
    pool = make_court(make_venue(), sport="游泳", unit=Court.Unit.PERSON, capacity=50)
    slot = make_slot(pool)
    resident = make_resident()
    outcomes = _run_concurrently([lambda: actions.booking_create(resident=resident, slot_id=slot.pk)] * 10,
                                 workers=10)
    assert Counter(outcomes)["confirmed"] == 1, Counter(outcomes)
    assert set(outcomes) <= {"confirmed", "already_booked", "limit_reached"}
    _assert_books_balance(slot)


def test_bookings_cancellations_and_offers_racing_keep_the_books_balanced():
    venue = make_venue(max_per_venue_per_day=5, max_per_day_per_resident=5, max_active_per_resident=5)
    slot = make_slot(make_court(venue, sport="游泳", unit=Court.Unit.PERSON, capacity=5))
    holders = [make_resident() for _ in range(5)]
    bookings = [actions.booking_create(resident=r, slot_id=slot.pk) for r in holders]
    waiting = [make_resident() for _ in range(3)]
    entries = [actions.waitlist_join(resident=r, slot_id=slot.pk) for r in waiting]
    newcomers = [make_resident() for _ in range(10)]
    jobs = [lambda b=b, r=r: actions.booking_cancel(resident=r, booking_id=b.pk) for b, r in zip(bookings, holders,
                                                                                                   strict=True)]
    jobs += [lambda r=r: actions.booking_create(resident=r, slot_id=slot.pk) for r in newcomers]
    random.Random(3).shuffle(jobs)
    outcomes = _run_concurrently(jobs, workers=15)
    assert set(outcomes) <= {"confirmed", "slot_full"}, Counter(outcomes)
    # 5 cancellations succeed; the first 3 freed places are held for the queue, so at most 2
    # newcomers can get in.
    assert Counter(outcomes)["confirmed"] - 5 <= 2
    _assert_books_balance(slot)
    for entry in entries:
        entry.refresh_from_db()
        assert entry.status == "offered"  # the first three freed places went to the queue, in order
