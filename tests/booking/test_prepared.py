"""On PostgreSQL the fixed statements of every booking are prepared once per connection
(portal/core/prepared.py) and the booking itself is the function ``booking_book``
(booking/migrations/0002): PostgreSQL plans them once instead of on every booking — two for a
plain booking (the booking lane), three on the fast path. Nothing else is prepared, and with
prepared statements turned off (``DB_PREPARED_STATEMENTS=0``) bookings are the same."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import AccessToken

from booking.models import Booking, Slot
from portal.core.models import IdempotencyKey
from tests.booking.conftest import booking_environ, make_resident, make_slot, through_gate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _book(slot, resident=None) -> tuple[str, dict]:
    resident = resident or make_resident()
    status, _, body = through_gate(booking_environ(json.dumps({"slot": slot.pk}).encode(),
                                                         str(AccessToken.for_user(resident)),
                                                         HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex))
    return status, json.loads(body)


def _prepared() -> dict[str, int]:
    """This connection's prepared statements: their text, and how often each was executed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _one(statements: dict[str, int], fragment: str) -> int:
    found = [runs for text, runs in statements.items() if fragment in text]
    assert len(found) == 1, (fragment, list(statements))
    return found[0]


def _four_bookings(court) -> tuple[Slot, list[str]]:
    """Four bookings on a fresh connection; the SQL of the last one, as the query log shows it."""
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 2**31 - 1
    connection.close()  # a fresh connection: nothing prepared yet
    slot = make_slot(court, capacity=10)
    for _ in range(3):
        status, answer = _book(slot)
        assert status == "201 Created", answer
    resident = make_resident()
    with CaptureQueriesContext(connection) as logged:  # the query log shows prepared statements' SQL
        status, answer = _book(slot, resident)
    assert status == "201 Created", answer
    sqls = [query["sql"] for query in logged.captured_queries]
    assert all(isinstance(sql, str) for sql in sqls), sqls
    Booking.objects.filter(slot=slot).count()  # the ORM's queries are not prepared
    return slot, sqls


def _each_answer_stored_by_the_booking(slot) -> None:
    # The Idempotency-Key is claimed inside the booking's statement, and nothing else is prepared.
    statements = _prepared()
    assert not [text for text in statements if "COUNT(" in text]
    assert Slot.objects.get(pk=slot.pk).remaining == 6
    # Each answer was stored under its key by the booking's own statement.
    assert IdempotencyKey.objects.filter(response_status=201).count() == 4


def test_a_plain_booking_is_two_statements_planned_once_per_connection(court):
    """The booking lane (booking/lane.py): the user with the slot, then the booking."""
    slot, sqls = _four_bookings(court)
    sqls = [sql for sql in sqls if "nextval(" not in sql]  # booking ids, taken 64 at a time
    assert len(sqls) == 2, [sql[:90] for sql in sqls]
    assert "FROM accounts_user u, booking_slot s" in sqls[0] and "FROM booking_book(" in sqls[1]
    statements = _prepared()
    assert _one(statements, "FROM accounts_user u, booking_slot s") == 4
    assert _one(statements, "FROM booking_book(") == 4
    assert len(statements) == 2
    _each_answer_stored_by_the_booking(slot)


def test_the_fast_paths_fixed_statements_are_planned_once_per_connection(court, settings):
    """Without the lane (and for what it leaves to the fast path): the user, the slot, the booking."""
    settings.BOOKING_LANE = False
    slot, sqls = _four_bookings(court)
    for fragment in ("FROM accounts_user u WHERE u.id", "JOIN booking_venue v", "FROM booking_book("):
        assert any(fragment in sql for sql in sqls), (fragment, sqls)
    statements = _prepared()
    assert _one(statements, "FROM booking_book(") == 4  # the booking: one prepared call each time
    assert _one(statements, "FROM booking_slot s JOIN booking_venue v") == 4  # the slot
    assert _one(statements, "FROM accounts_user u WHERE u.id") == 4  # the bearer token's user
    assert len(statements) == 3
    _each_answer_stored_by_the_booking(slot)


def test_with_prepared_statements_off_a_booking_is_the_same(court, monkeypatch):
    connection.close()
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)  # DB_PREPARED_STATEMENTS=0
    slot = make_slot(court, capacity=1)
    status, answer = _book(slot)
    assert status == "201 Created", answer
    assert answer["status"] == "confirmed" and answer["slot"]["id"] == slot.pk
    status, answer = _book(slot)
    assert status == "409 Conflict" and answer["error"]["code"] == "slot_full"
    assert _prepared() == {}
    connection.close()  # the next test's connection prepares again
