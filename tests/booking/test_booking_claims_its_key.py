"""A booking claims its ``Idempotency-Key`` in its own transaction, under the resident's row lock
(``idempotently(write_claims=True)``; on PostgreSQL inside ``booking_book``), instead of in a
round trip and a commit of its own before it. What a client sees is unchanged: a repeat gets the
first answer, a repeat in flight is told so, a key reused for another slot is refused — and a
repeat can no longer book twice."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections
from rest_framework_simplejwt.tokens import AccessToken

from booking import soldout
from booking.models import Booking, Court, Slot
from portal.core.idempotency import _fingerprint
from portal.core.models import IdempotencyKey
from tests.booking.conftest import booking_environ, make_court, make_resident, make_slot, through_gate

PATH = "/api/v1/bookings/"


def _attempt(resident, slot, key: str) -> tuple[int, dict, dict]:
    status, headers, body = through_gate(booking_environ(json.dumps({"slot": slot.pk}).encode(),
                                                         str(AccessToken.for_user(resident)),
                                                         HTTP_IDEMPOTENCY_KEY=key))
    return int(status.split()[0]), dict(headers), json.loads(body)


@pytest.fixture
def session(court):
    return make_slot(make_court(court.venue, unit=Court.Unit.PERSON, capacity=10, sport="游泳"))


@pytest.mark.django_db
def test_a_key_in_flight_books_nothing(session):
    resident = make_resident()
    IdempotencyKey.objects.create(user=resident, key="in-flight", method="POST", path=PATH,
                                  fingerprint=_fingerprint({"slot": session.pk}))
    status, headers, answer = _attempt(resident, session, "in-flight")
    assert (status, answer["error"]["code"]) == (409, "idempotency_in_progress")
    assert int(headers["Retry-After"]) >= 1
    assert not Booking.objects.filter(slot=session).exists()
    assert Slot.objects.get(pk=session.pk).remaining == 10


@pytest.mark.django_db
def test_a_key_reused_for_another_slot_books_nothing(court, session):
    resident = make_resident()
    other = make_slot(court)
    assert _attempt(resident, session, "k")[0] == 201
    status, _, answer = _attempt(resident, other, "k")
    assert (status, answer["error"]["code"]) == (422, "idempotency_key_reused")
    assert not Booking.objects.filter(slot=other).exists()
    assert Slot.objects.get(pk=other.pk).remaining == other.capacity


@pytest.mark.django_db
def test_a_refusal_claims_the_key_afterwards_and_is_replayed(court):
    resident = make_resident()
    full = make_slot(court)
    Slot.objects.filter(pk=full.pk).update(remaining=0)
    first = _attempt(resident, full, "late")
    assert (first[0], first[2]["error"]["code"]) == (409, "slot_full")
    record = IdempotencyKey.objects.get(user=resident, key="late")
    assert record.response_status == 409 and record.response_body == first[2]
    Slot.objects.filter(pk=full.pk).update(remaining=1)  # a place comes free: the same key still gets its answer
    soldout.clear(full.pk)  # (past the rush gate, which does not replay)
    again = _attempt(resident, full, "late")
    assert again[0] == 409 and again[1]["Idempotent-Replayed"] == "true" and again[2] == first[2]
    assert not Booking.objects.filter(slot=full).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_repeats_sent_at_once_book_once_and_all_get_the_first_answer(session):
    """Eight copies of one request at the same instant, each on its own connection: the resident's
    lock lets one book; the others claim the key after it committed and replay its answer."""
    resident = make_resident()
    barrier = threading.Barrier(8)
    answers: list[tuple[int, dict, dict]] = []

    def send():
        try:
            barrier.wait(timeout=30)
            answers.append(_attempt(resident, session, "burst"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(answers) == 8
    assert {status for status, _, _ in answers} == {201}
    assert len({json.dumps(body, sort_keys=True) for _, _, body in answers}) == 1  # the same booking, the same answer
    assert sum("Idempotent-Replayed" in headers for _, headers, _ in answers) == 7
    assert Booking.objects.filter(slot=session).count() == 1
    assert Slot.objects.get(pk=session.pk).remaining == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_claimed_by_another_request_meanwhile_books_nothing(session):
    """Another kind of write reusing the key (it does not take the resident's lock) has claimed it and
    not yet committed. The booking finds no live row, books, and its insert of the key's row waits
    for the other transaction — whose commit waits for the resident's row the booking holds (its
    foreign key check). PostgreSQL breaks that deadlock by ending the booking's transaction, the
    booking with it; the attempt is then answered as the repeat it is. (Should the other commit
    first, ``booking_book`` undoes its booking itself: ``idempotency_key_taken``.)"""
    import psycopg
    from django.db import connection

    resident = make_resident()
    connection.ensure_connection()
    dsn = connection.connection.info.dsn
    other = psycopg.connect(dsn)  # the other request's transaction: the key claimed, not yet committed
    other.execute("INSERT INTO core_idempotencykey (user_id, key, method, path, fingerprint, created_at)"
                  " VALUES (%s, 'shared', 'POST', '/api/v1/bookings/1/cancel/', 'x', now())", [resident.pk])
    answers = []

    def book():
        try:
            answers.append(_attempt(resident, session, "shared"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=book)
    thread.start()
    with psycopg.connect(dsn, autocommit=True) as watcher:  # until the booking waits on the key's index entry
        for _ in range(200):
            waiting = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                      " AND query LIKE '%booking_book%'").fetchone()[0]
            if waiting:
                break
            threading.Event().wait(0.05)
    assert waiting, "the booking never reached the key's insert"
    other.commit()
    other.close()
    thread.join(30)

    [(status, _, answer)] = answers
    assert (status, answer["error"]["code"]) == (422, "idempotency_key_reused")  # the other request's key
    assert not Booking.objects.filter(slot=session).exists()
    assert Slot.objects.get(pk=session.pk).remaining == 10
    assert IdempotencyKey.objects.get(user=resident, key="shared").path == "/api/v1/bookings/1/cancel/"
