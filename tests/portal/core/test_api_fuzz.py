"""Every operation of the REST contract, fuzzed from its own OpenAPI schema (schemathesis).

Schemathesis generates requests from drf-spectacular's schema — valid ones and ones that break
it (wrong types, missing fields, odd strings, huge numbers, bad JSON) — and each goes through
Django's full WSGI stack in process. Whatever is sent, the answer must keep the contract
(DESIGN: the error format): no 500; every 4xx is the JSON error ``{"error": {"code", "message"}}``
with a sentence; the only 5xx allowed is a 503 in that same form for an outside platform that
is not configured or does not answer here (WeChat, Alipay: ``portal.connectors``). Once as a signed-in, real-name
resident and once as the platform's administrator, over a small world (a venue with a court and
slots, a service item, an application) so that some generated ids exist; and booking attempts once
more through the rush gate and the fast path that production's WSGI entry puts in front of Django.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken

from portal.accounts import roles
from tests.booking.conftest import make_court, make_resident, make_slot, make_staff, make_venue

SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
WSGI = get_wsgi_application()
EXAMPLES = 25  # per operation and identity: ~2,000 requests in all
OUTSIDE_PLATFORM_CODES = {"upstream_busy", "upstream_error", "alipay_not_configured"}  # portal.connectors


def _assert_contract(response) -> None:
    status = response.status_code
    if status < 400:
        return
    body = response.text
    assert status != 500, f"500 for this request: {body[:300]}"
    error = json.loads(body)["error"]  # a 4xx or 5xx without the contract's JSON fails here
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    if status >= 500:
        assert status == 503 and error["code"] in OUTSIDE_PLATFORM_CODES, (status, error)


@pytest.fixture
def world(db):
    """A venue with a court and slots tomorrow, a service item with an application of the resident."""
    from services import actions as service_actions
    from services.models import ServiceItem

    venue = make_venue()
    court = make_court(venue)
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    for hour in range(3):
        make_slot(court, start=start + dt.timedelta(hours=hour))
    resident = make_resident()
    department = service_actions.department_upsert(name="区公安分局")
    item = ServiceItem.objects.create(name="居住证申领", department=department, code="FUZZ-1", promised_limit_days=7,
                                      online=True)
    service_actions.application_submit(user=resident, item_id=item.pk)
    admin = make_staff(role=roles.ADMIN, venues=(venue,))
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    return {"resident": resident, "admin": admin}


def _call(case, user, app=WSGI):
    token = RefreshToken.for_user(user).access_token
    # As Django's test client does: the test's transaction must outlive each request's signals.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    _assert_contract(response)


def _fuzzing(examples: int):
    """Hypothesis settings: deterministic (the same requests every run), nothing stored on disk."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.django_db
@SCHEMA.parametrize()
@_fuzzing(EXAMPLES)
def test_a_resident_never_gets_a_server_error_or_an_error_outside_the_contract(case, world):
    _call(case, world["resident"])


@pytest.mark.django_db
@SCHEMA.parametrize()
@_fuzzing(EXAMPLES)
def test_the_administrator_never_gets_a_server_error_or_an_error_outside_the_contract(case, world):
    _call(case, world["admin"])


@pytest.mark.django_db
@SCHEMA.include(path="/api/v1/bookings/", method="POST").parametrize()
@_fuzzing(100)
def test_booking_attempts_through_the_rush_gate_and_the_fast_path_keep_the_contract(case, world):
    """Production's WSGI entry puts the rush gate and the booking fast path in front of Django
    (booking/gate.py, booking/fast.py): they parse the body themselves, so they are fuzzed too."""
    from booking import gate

    _call(case, world["resident"], app=gate.wsgi(WSGI))
