"""The booking fast path (booking/fast.py): an ordinary booking attempt answered in front of Django
with the view's own calls — the same status, body and headers as Django's answer — and everything
else passed on to Django untouched."""

from __future__ import annotations

import datetime as dt
import json
import logging
from http import HTTPStatus

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from booking import actions, soldout
from booking.models import Booking, Slot, Suspension, Venue
from portal.core.models import IdempotencyKey
from tests.booking.conftest import (
    assert_passed_on,
    booking_environ,
    make_court,
    make_resident,
    make_slot,
    make_venue,
    through_gate,
)

pytestmark = pytest.mark.django_db
PATH = "/api/v1/bookings/"


def _fast(environ: dict):
    """(status code, headers, body) as the fast path answers, or ("passed", None, the body Django reads)."""
    status, headers, body = through_gate(environ)
    if status == "passed":
        return status, None, body
    code, _, reason = status.partition(" ")
    assert reason == HTTPStatus(int(code)).phrase  # the status line Django's handler writes
    return int(code), dict(headers), body


def _django(api, body: bytes, token: str, **extra):
    response = api.post(PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)
    return response.status_code, dict(response.items()), response.content


def _token(user) -> str:
    return str(AccessToken.for_user(user))


def _without_identity(content: bytes) -> dict:
    """A booking's answer without what differs between two bookings of the same slot."""
    data = json.loads(content)
    data.pop("id"), data.pop("created_at"), data["checkin"].pop("token_url")
    return data


def _assert_same_headers(fast_headers: dict, django_headers: dict, fast_body: bytes) -> None:
    assert int(fast_headers.pop("Content-Length")) == len(fast_body)
    django_headers.pop("Content-Length")
    assert fast_headers == django_headers


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_booking_by_the_fast_path_is_answered_as_django_answers_it(api, court, language):
    slot = make_slot(court, capacity=2)
    body = json.dumps({"slot": slot.pk}).encode()
    by_django = _django(api, body, _token(make_resident()), HTTP_ACCEPT_LANGUAGE=language)
    fast = _fast(booking_environ(body, _token(make_resident()), HTTP_ACCEPT_LANGUAGE=language))
    assert fast[0] == by_django[0] == 201
    assert _without_identity(fast[2]) == _without_identity(by_django[2])
    _assert_same_headers(fast[1], by_django[1], fast[2])
    assert Booking.objects.filter(slot=slot, status="confirmed").count() == 2
    slot.refresh_from_db()
    assert slot.remaining == 0


def test_a_repeat_with_the_same_idempotency_key_replays_the_first_answer_on_either_path(api, court):
    slot = make_slot(court, capacity=5)
    resident = make_resident()
    token = _token(resident)
    body = json.dumps({"slot": slot.pk}).encode()
    first = _fast(booking_environ(body, token, HTTP_IDEMPOTENCY_KEY="once"))
    assert first[0] == 201 and "Idempotent-Replayed" not in first[1]
    by_django = _django(api, body, token, HTTP_IDEMPOTENCY_KEY="once")
    fast = _fast(booking_environ(body, token, HTTP_IDEMPOTENCY_KEY="once"))
    assert fast[0] == by_django[0] == 201
    assert fast[2] == by_django[2] and json.loads(fast[2]) == json.loads(first[2])
    assert fast[1]["Idempotent-Replayed"] == "true"
    _assert_same_headers(fast[1], by_django[1], fast[2])
    assert Booking.objects.filter(resident=resident).count() == 1
    # The same key for another request: refused alike.
    other = json.dumps({"slot": slot.pk, "party_size": 2}).encode()
    fast, by_django = (_fast(booking_environ(other, token, HTTP_IDEMPOTENCY_KEY="once")),
                       _django(api, other, token, HTTP_IDEMPOTENCY_KEY="once"))
    assert fast[0] == by_django[0] == 422 and fast[2] == by_django[2]
    _assert_same_headers(fast[1], by_django[1], fast[2])


def _refusal_case(case: str, court):
    """(resident, slot id) for which a booking attempt is refused with ``case``."""
    resident = make_resident(realname=case != "realname_required")
    slot = make_slot(court, capacity=5)
    if case == "slot_full":
        slot = make_slot(court, start=slot.start + dt.timedelta(hours=2), capacity=1, remaining=0)
    elif case == "already_booked":
        actions.booking_create(resident=resident, slot_id=slot.pk)
    elif case == "limit_reached":  # another booking at the same venue on the same local day
        later = slot.start + dt.timedelta(hours=2)
        same_day = timezone.localtime(later).date() == timezone.localtime(slot.start).date()
        other = make_slot(court, start=later if same_day else slot.start - dt.timedelta(hours=2))
        actions.booking_create(resident=resident, slot_id=other.pk)
    elif case == "suspended":
        Suspension.objects.create(resident=resident, starts_at=timezone.now() - dt.timedelta(days=1),
                                  ends_at=timezone.now() + dt.timedelta(days=6), reason="test")
    elif case == "window_not_open":
        slot = make_slot(court, start=slot.start + dt.timedelta(days=7), opens_at=timezone.now() + dt.timedelta(days=1))
    elif case == "slot_not_found":
        return resident, 2**63
    elif case == "not_bookable":  # a venue closed for now
        slot = make_slot(make_court(make_venue(status=Venue.Status.CLOSED)), capacity=5)
    elif case == "slot_unavailable":  # a slot blocked for maintenance
        slot = make_slot(court, start=slot.start + dt.timedelta(hours=2), capacity=5, state=Slot.State.BLOCKED)
    elif case == "party_too_large":
        return resident, {"slot": slot.pk, "party_size": 50}
    return resident, slot.pk


@pytest.mark.parametrize("case, status", [
    ("slot_full", 409), ("already_booked", 409), ("limit_reached", 409), ("suspended", 409),
    ("window_not_open", 409), ("realname_required", 409), ("slot_not_found", 404), ("party_too_large", 400),
    ("not_bookable", 409), ("slot_unavailable", 409),
])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_refusal_is_the_same_on_the_fast_path(api, court, case, status, language):
    resident, slot = _refusal_case(case, court)
    body = json.dumps(slot if isinstance(slot, dict) else {"slot": slot}).encode()
    token = _token(resident)
    by_django = _django(api, body, token, HTTP_ACCEPT_LANGUAGE=language, HTTP_IDEMPOTENCY_KEY="django")
    # slot_full: answered by the view both times here, not by the rush gate (test_gate.py)
    soldout.clear(json.loads(body)["slot"])
    fast = _fast(booking_environ(body, token, HTTP_ACCEPT_LANGUAGE=language, HTTP_IDEMPOTENCY_KEY="fast"))
    assert fast[0] == by_django[0] == status
    error = json.loads(fast[2])["error"]
    assert error["code"] == case
    assert fast[2] == by_django[2]
    _assert_same_headers(fast[1], by_django[1], fast[2])
    # Kept under its key, as the view keeps it: a repeat gets the same refusal replayed, alike on
    # both paths (PostgreSQL's jsonb may order the keys of a replay differently from the first answer).
    assert IdempotencyKey.objects.get(user=resident, key="fast").response_status == status
    soldout.clear(json.loads(body)["slot"])
    fast_replay = _fast(booking_environ(body, token, HTTP_ACCEPT_LANGUAGE=language, HTTP_IDEMPOTENCY_KEY="fast"))
    soldout.clear(json.loads(body)["slot"])
    django_replay = _django(api, body, token, HTTP_ACCEPT_LANGUAGE=language, HTTP_IDEMPOTENCY_KEY="django")
    assert fast_replay[0] == django_replay[0] == status and fast_replay[1]["Idempotent-Replayed"] == "true"
    assert fast_replay[2] == django_replay[2] and json.loads(fast_replay[2]) == json.loads(fast[2])
    _assert_same_headers(fast_replay[1], django_replay[1], fast_replay[2])


def test_a_refusal_on_the_fast_path_is_logged_as_django_logs_it(court, caplog):
    resident, slot_id = _refusal_case("already_booked", court)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        status, _, _ = _fast(booking_environ(json.dumps({"slot": slot_id}).encode(), _token(resident)))
    assert status == 409
    assert [r.getMessage() for r in caplog.records if r.name == "django.request"] == [f"Conflict: {PATH}"]


def test_a_failure_on_the_fast_path_is_the_contract_500_logged_with_its_trace(slot, caplog, monkeypatch):
    from booking import api, lane

    def broken(**kwargs):
        raise RuntimeError("the database went away")  # Django's handler would answer the contract's 500

    monkeypatch.setattr(api, "booking_post_fast", broken)
    monkeypatch.setattr(lane, "book", broken)  # the booking lane, on PostgreSQL
    with caplog.at_level(logging.ERROR, logger="django.request"):
        status, headers, body = _fast(booking_environ(json.dumps({"slot": slot.pk}).encode(), _token(make_resident())))
    assert status == 500 and json.loads(body)["error"]["code"] == "server_error"
    assert "the database went away" not in body.decode()  # no trace to the client
    assert headers["Content-Type"] == "application/json"
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Internal Server Error: {PATH}" and record.exc_info[0] is RuntimeError


def test_the_fast_path_leaves_everything_else_to_django(slot, settings):
    resident = make_resident()
    token = _token(resident)
    body = json.dumps({"slot": slot.pk}).encode()
    inactive = make_resident()
    inactive.is_active = False
    inactive.save()
    passed = [
        booking_environ(body),  # anonymous: 401 from DRF
        booking_environ(body, "not-a-token"),
        booking_environ(body, _token(inactive)),
        booking_environ(body, token, HTTP_ORIGIN="https://example.org"),  # CORS headers are the middleware's
        booking_environ(body, token, HTTP_HOST="evil.example"),
        booking_environ(body, token, CONTENT_TYPE="text/plain"),  # DRF: 415
        booking_environ(body, token, HTTP_ACCEPT="text/html"),  # DRF: 406
        booking_environ(b'{"slot": NaN}', token),
        booking_environ(b"[1]", token),
        booking_environ("{\"slot\": 1}".encode("utf-16"), token),
        booking_environ(json.dumps({"slot": str(slot.pk)}).encode(), token),  # the serializer's to judge
        booking_environ(json.dumps({"slot": slot.pk, "companions": ["张三"], "party_size": 2}).encode(), token),
        booking_environ(json.dumps({"slot": slot.pk, "party_size": True}).encode(), token),
        booking_environ(body, token, REQUEST_METHOD="PUT"),
        booking_environ(body, token, QUERY_STRING="format=api"),
    ]
    assert_passed_on(passed)
    settings.SECURE_SSL_REDIRECT = True  # a plain-HTTP request is Django's to redirect
    assert _fast(booking_environ(body, token))[0] == "passed"
    settings.SECURE_SSL_REDIRECT = False
    settings.BOOKING_FAST_PATH = False
    assert _fast(booking_environ(body, token))[0] == "passed"
    assert not Booking.objects.filter(slot=slot).exists()
    settings.BOOKING_FAST_PATH = True
    assert _fast(booking_environ(body, token))[0] == 201


def test_a_token_of_a_session_ended_by_logout_is_passed_to_django_which_answers_401(api, slot):
    from portal.accounts.actions import session_revoke
    from portal.accounts.tokens import login_tokens

    session = login_tokens(make_resident())
    body = json.dumps({"slot": slot.pk}).encode()
    session_revoke(refresh=session["refresh"])
    assert_passed_on([booking_environ(body, session["access"])])
    by_django = _django(api, body, session["access"])
    assert by_django[0] == 401 and json.loads(by_django[2])["error"]["code"] == "authentication_failed"
    assert not Booking.objects.filter(slot=slot).exists()


def test_the_fast_path_sends_djangos_request_signals_once_each_so_connections_are_recycled(court):
    from django.core.signals import request_finished, request_started

    slot = make_slot(court, capacity=2)

    sent = []
    started, finished = (lambda **kw: sent.append("started")), (lambda **kw: sent.append("finished"))
    request_started.connect(started)
    request_finished.connect(finished)
    inactive = make_resident()
    inactive.is_active = False
    inactive.save()
    body = json.dumps({"slot": slot.pk}).encode()
    try:
        status, _, _ = _fast(booking_environ(body, _token(make_resident())))
        assert sent == ["started", "finished"]
        # A token that is not one is passed on before anything is read: Django sends the pair.
        assert _fast(booking_environ(body, "not-a-token"))[0] == "passed"
        assert sent == ["started", "finished"]
        # A user found inactive was read first (Django's own pair follows).
        assert _fast(booking_environ(body, _token(inactive)))[0] == "passed"
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert status == 201
    assert sent == ["started", "finished", "started", "finished"]


def _through_django(environ: dict) -> tuple[str, bytes]:
    """The gate in front of Django's own WSGI handler, request signals and all (as in production)."""
    from django.core.wsgi import get_wsgi_application

    from booking import gate

    answered = {}
    body = b"".join(gate.wsgi(get_wsgi_application())(environ, lambda status, headers: answered.update(s=status)))
    return answered["s"], body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_fast_path_sends_no_health_check_and_survives_a_dead_connection(court, settings, monkeypatch):
    """With ``CONN_HEALTH_CHECKS`` Django pings a kept connection before a request's first statement;
    the fast path lets the user's row be that check. A connection that died in between makes that
    read fail, and Django answers the booking on a new connection."""
    import psycopg
    from django.db import connections

    connection = connections["default"]
    assert connection.health_check_enabled  # persistent connections with health checks (DB_POOL=0)
    pings = []
    real_is_usable = type(connection).is_usable
    monkeypatch.setattr(type(connection), "is_usable", lambda self: pings.append(1) or real_is_usable(self))
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    slots = [make_slot(court, start=start + dt.timedelta(hours=h)) for h in (0, 2, 4)]
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)  # kept between requests, as the bench runs
    connection.close()
    connection.ensure_connection()

    # A resident of its own for each booking (one booking per venue and day).
    attempts = [booking_environ(json.dumps({"slot": s.pk}).encode(), _token(make_resident())) for s in slots]

    def book(environ):  # the answer, and the pings during the request
        pings.clear()
        return *_through_django(environ), len(pings)

    assert book(attempts[0])[::2] == ("201 Created", 0)
    settings.BOOKING_FAST_PATH = False  # Django's path pings first: the check left out is a real one
    assert book(attempts[1])[::2] == ("201 Created", 1)
    settings.BOOKING_FAST_PATH = True

    # Kill the kept connection from outside, as a PostgreSQL restart or an idle timeout would.
    pid = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    status, answer, _ = book(attempts[2])
    assert status == "201 Created", answer
    assert connection.connection is None or connection.connection.info.backend_pid != pid
    assert Booking.objects.filter(slot__in=slots, status="confirmed").count() == 3
