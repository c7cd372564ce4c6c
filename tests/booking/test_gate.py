"""The WSGI rush gate (booking/gate.py): refusals on a slot seen sold out, answered before Django
exactly as Django would answer them; everything else passed on untouched."""

from __future__ import annotations

import json

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from booking import actions, gate, soldout
from tests.booking.conftest import assert_passed_on, booking_environ, make_resident, through_gate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _refusals_only(settings):
    """The refusal gate on its own: what it does not refuse goes on (the fast path behind it,
    booking/fast.py, has its own tests in test_fast.py)."""
    settings.BOOKING_FAST_PATH = False


@pytest.fixture
def full_slot(slot):
    actions.booking_create(resident=make_resident(), slot_id=slot.pk)
    assert soldout.is_sold_out(slot.pk)
    return slot


@pytest.mark.parametrize("language, sentence", [("zh-hans", "约满"), ("en", "full")])
def test_the_gate_refuses_with_the_body_and_headers_django_would_send(api, full_slot, language, sentence):
    token = str(AccessToken.for_user(make_resident()))
    body = json.dumps({"slot": full_slot.pk}).encode()
    by_django = api.post("/api/v1/bookings/", body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)
    status, headers, content = through_gate(booking_environ(body, token, HTTP_ACCEPT_LANGUAGE=language))
    assert status == "409 Conflict" and by_django.status_code == 409
    assert content == by_django.content
    error = json.loads(content)["error"]
    assert error["code"] == "slot_full" and sentence in error["message"]
    assert dict(headers) == dict(by_django.items())


def test_the_gate_sends_hsts_on_a_secure_request_as_the_security_middleware_does(full_slot, settings):
    settings.SECURE_HSTS_SECONDS = 60
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD = True, False
    token = str(AccessToken.for_user(make_resident()))
    body = json.dumps({"slot": full_slot.pk}).encode()
    _, headers, _ = through_gate(booking_environ(body, token, HTTP_X_FORWARDED_PROTO="https"))
    assert dict(headers)["Strict-Transport-Security"] == "max-age=60; includeSubDomains"
    _, headers, _ = through_gate(booking_environ(body, token))
    assert "Strict-Transport-Security" not in dict(headers)


def test_a_logged_out_sessions_token_on_a_sold_out_slot_still_gets_slot_full_from_the_gate(full_slot, slot):
    """The gate checks the token's signature only, reading no database: a session ended by logout
    learns that a slot is full, which the public slot listing says anyway (docs/privacy.md). Any
    other attempt with that token goes on to Django, which refuses it (tests/booking/test_fast.py)."""
    from portal.accounts.actions import session_revoke
    from portal.accounts.tokens import login_tokens

    session = login_tokens(make_resident())
    session_revoke(refresh=session["refresh"])
    status, _, content = through_gate(booking_environ(json.dumps({"slot": full_slot.pk}).encode(), session["access"]))
    assert status == "409 Conflict" and json.loads(content)["error"]["code"] == "slot_full"


def test_the_gate_passes_everything_else_on_with_the_body_intact(full_slot, slot, settings):
    token = str(AccessToken.for_user(make_resident()))
    body = json.dumps({"slot": full_slot.pk}).encode()
    passed = [
        booking_environ(body),  # anonymous: Django answers 401, nothing learnt
        booking_environ(body, "not-a-token"),
        booking_environ(body, str(AccessToken.for_user(make_resident())), HTTP_ORIGIN="https://example.org"),  # CORS
        booking_environ(body, token, HTTP_HOST="evil.example"),  # Django refuses the host
        booking_environ(b"{not json", token),
        booking_environ(json.dumps({"slot": full_slot.pk + 1000}).encode(), token),  # not known full
        booking_environ(body, token, REQUEST_METHOD="GET"),
        booking_environ(body, token, PATH_INFO="/api/v1/bookings/waitlist/"),
    ]
    assert_passed_on(passed)
    # Judged and found nothing to refuse: the view-level gate does not ask again. Passed on for
    # the headers' sake (CORS, host): the view-level gate decides, and answers through the middleware.
    assert [bool(e.get(gate.JUDGED)) for e in passed] == [True, True, False, False, True, True, False, False]
    settings.SECURE_SSL_REDIRECT = True  # a plain-HTTP request is Django's to redirect
    assert through_gate(booking_environ(body, token))[0] == "passed"


def test_a_resident_who_booked_and_cancelled_gets_the_first_answer_replayed_not_slot_full(
        api, slot, django_capture_on_commit_callbacks):
    from booking.models import Booking

    booker = make_resident()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(booker)}")
    first = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="once")
    assert first.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        actions.booking_cancel(resident=booker, booking_id=first.json()["id"])
    actions.booking_create(resident=make_resident(), slot_id=slot.pk)  # full again, someone else holds it
    assert soldout.is_sold_out(slot.pk)
    token = str(AccessToken.for_user(booker))
    body = json.dumps({"slot": slot.pk}).encode()
    assert through_gate(booking_environ(body, token))[0] == "passed"
    replay = api.post("/api/v1/bookings/", {"slot": slot.pk}, format="json", HTTP_IDEMPOTENCY_KEY="once")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Booking.objects.filter(resident=booker).count() == 1
