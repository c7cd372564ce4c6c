"""The booking fast path: a plain, valid booking attempt answered in front of Django.

Under the WSGI server (``booking.gate.wsgi``) a ``POST /api/v1/bookings/`` that the rush gate did not
refuse is answered here when it is the ordinary case — JSON ``{"slot": id}`` (maybe a
``party_size``), a valid bearer token of an active user, a host Django accepts, no ``Origin`` (CORS
headers are the middleware's), nothing Django would redirect or DRF would negotiate differently.
It authenticates with the API's own authentication class, then calls
``booking.api.booking_post_fast``: the same ``Idempotency-Key`` handling, booking action, rendering
and error handling as the DRF view. What it leaves out is the framework around them — the Django
request, the middleware stack, URL resolution, DRF's dispatch — about a sixth of a booking's
Python (docs/benchmarks.md). It adds the headers that middleware adds (``booking.gate.middleware_headers``)
and DRF's own (``Allow``), logs a 4xx as Django's request logger does, and sends Django's
``request_started`` / ``request_finished`` so database connections are checked and recycled as
for any request. ``tests/booking/test_fast.py`` compares its answers with Django's.

Anything else returns None and Django answers, with nothing consumed: the body is put back.
``BOOKING_FAST_PATH = False`` turns it off.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, get_script_name
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils import translation
from django.utils.log import log_response
from rest_framework.renderers import JSONRenderer

from booking import api, gate
from portal.accounts.authentication import BearerAuthentication
from portal.core.errors import handler500
from portal.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from portal.core.language import language_for

_JSON_TYPES = {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
_ACCEPTS_JSON = {"", "*/*", "application/json"}  # what DRF's negotiation answers with JSON, simply
_authentication = BearerAuthentication()
_renderer = JSONRenderer()


def _strict_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # as DRF's parser under STRICT_JSON


def _parsed(body: bytes):
    """The body as DRF's JSON parser reads it (UTF-8, no NaN/Infinity), or None."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_strict_constant)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _user(authorization: str | None):
    """The active user of a valid bearer token, as DRF's authentication finds it, else None."""
    if not authorization:
        return None
    try:
        raw = _authentication.get_raw_token(authorization.encode("latin-1"))
        if raw is None:
            return None
        return _authentication.get_user(_authentication.get_validated_token(raw))
    except Exception:  # invalid, expired, revoked, inactive, or the database said no: Django answers
        return None


def answer(environ: dict, body: bytes) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status line, headers, body) for an ordinary booking attempt, else None."""
    if not getattr(settings, "BOOKING_FAST_PATH", True):
        return None
    content_type = environ.get("CONTENT_TYPE", "").lower()
    if (content_type not in _JSON_TYPES or environ.get("HTTP_ACCEPT", "") not in _ACCEPTS_JSON
            or environ.get("QUERY_STRING")  # ``?format=`` is DRF's to negotiate
            or settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW):  # CommonMiddleware's to judge
        return None
    data = _parsed(body)
    args = api.plain_booking_input(data)
    if args is None or not gate.host_allowed(environ):
        return None
    secure = gate.is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    request_started.send(sender=WSGIHandler, environ=environ)
    try:
        # The user's row is this request's first statement and its health check: with
        # ``CONN_HEALTH_CHECKS`` Django would first send a ``SELECT 1`` (a round trip, a sixth of
        # the fast path's time in the booking bench). If the connection has died, reading the user
        # fails, Django answers the request instead and, the error noted, closes the connection and
        # opens a new one.
        connection.health_check_done = True
        user = _user(environ.get("HTTP_AUTHORIZATION"))
        if user is None:
            return None
        language = language_for(environ)
        path = "{}/{}".format(get_script_name(environ).rstrip("/"), gate.PATH[1:])  # as ``request.path``
        with translation.override(language):
            try:
                response = api.booking_post_fast(resident=user, data=data, args=args, path=path,
                                                 key=environ.get(IDEMPOTENCY_HEADER, "").strip())
                content = _renderer.render(response.data)
                failure = None
            except Exception as exc:  # what Django's handler turns into the contract's 500, logged with its trace
                response, failure = handler500(None), exc
                content = response.content
            if response.status_code >= 400:
                log_response("%s: %s", response.reason_phrase, path, response=response, exception=failure)
    finally:
        request_finished.send(sender=WSGIHandler)
    headers = gate.middleware_headers(language, len(content), secure)
    headers += [(name, value) for name, value in api.FAST_PATH_HEADERS if name != "Vary"]
    headers += [(name, value) for name, value in response.items() if name != "Content-Type"]
    return f"{response.status_code} {response.reason_phrase}", headers, content
