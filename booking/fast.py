"""The booking fast path: a plain, valid booking attempt answered in front of Django.

Under the WSGI server (``booking.gate.wsgi``) a ``POST /api/v1/bookings/`` that the rush gate did not
refuse is answered here when it is the ordinary case — JSON ``{"slot": id}`` (maybe a
``party_size``), a valid bearer token, a host Django accepts, no ``Origin`` (CORS headers are the
middleware's), nothing Django would redirect or DRF would negotiate differently.
The token is validated by the API's own authentication class. On PostgreSQL the booking lane
(``booking.lane``) then books it in two statements if it plainly can; whatever the lane does not
book — and everything on SQLite — goes to ``booking.api.booking_post_fast``: the user read by the
API's authentication class, the same ``Idempotency-Key`` handling, booking action, rendering and
error handling as the DRF view. What both leave out is the framework around them — the Django
request, the middleware stack, URL resolution, DRF's dispatch (docs/benchmarks.md). It adds the
headers that middleware adds (``booking.gate.middleware_headers``) and DRF's own (``Allow``), logs a
4xx as Django's request logger does, and sends Django's ``request_started`` / ``request_finished``
around its database work so connections are checked and recycled as for any request.
``tests/booking/test_fast.py`` compares its answers with Django's.

Anything else returns None and Django answers, with nothing consumed: the body is put back.
``BOOKING_FAST_PATH = False`` turns it off; ``BOOKING_LANE = False`` the lane alone.
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

from booking import api, gate, lane
from portal.accounts.authentication import BearerAuthentication
from portal.core.errors import handler500
from portal.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from portal.core.idempotency import forget as idempotency_forget
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


def _token(authorization: str | None):
    """The validated bearer token, as DRF's authentication finds it, else None."""
    if not authorization:
        return None
    try:
        raw = _authentication.get_raw_token(authorization.encode("latin-1"))
        return None if raw is None else _authentication.get_validated_token(raw)
    except Exception:  # invalid or expired: Django answers
        return None


def _user(token):
    """The active user of a validated token, as DRF's authentication finds it, else None."""
    try:
        return _authentication.get_user(token)
    except Exception:  # missing, revoked, inactive, or the database said no: Django answers
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
    token = _token(environ.get("HTTP_AUTHORIZATION"))
    if token is None:
        return None
    request_started.send(sender=WSGIHandler, environ=environ)
    try:
        # The request's first statement is its connection's health check: with
        # ``CONN_HEALTH_CHECKS`` Django would first send a ``SELECT 1`` (a round trip, a sixth of
        # the fast path's time in the booking bench). If the connection has died, that read fails,
        # Django answers the request instead and, the error noted, closes the connection and
        # opens a new one.
        connection.health_check_done = True
        language = language_for(environ)
        path = "{}/{}".format(get_script_name(environ).rstrip("/"), gate.PATH[1:])  # as ``request.path``
        key = environ.get(IDEMPOTENCY_HEADER, "").strip()
        with translation.override(language):
            failure = None
            try:
                # The plain booking, in two statements (booking.lane); what it does not book is
                # answered by the view's own calls.
                booked = lane.book(token=token, data=data, args=args, key=key, path=path) if lane.enabled() else None
                if isinstance(booked, lane.Booked):
                    return _answer(201, "Created", booked.content, (), language, secure)
                claimed = booked.key_id if isinstance(booked, lane.Claimed) else None
                user = _user(token)
                if user is None:
                    if claimed is not None:  # the user went between the two reads: no answer to keep
                        idempotency_forget(claimed)
                    return None
                response = api.booking_post_fast(resident=user, data=data, args=args, path=path, key=key,
                                                 claimed=claimed)
                content = _renderer.render(response.data)
            except Exception as exc:  # what Django's handler turns into the contract's 500, logged with its trace
                response, failure = handler500(None), exc
                content = response.content
            if response.status_code >= 400:
                log_response("%s: %s", response.reason_phrase, path, response=response, exception=failure)
            extra = [(name, value) for name, value in response.items() if name != "Content-Type"]
            return _answer(response.status_code, response.reason_phrase, content, extra, language, secure)
    finally:
        request_finished.send(sender=WSGIHandler)


def _answer(status: int, reason: str, content: bytes, extra, language: str,
            secure: bool) -> tuple[str, list[tuple[str, str]], bytes]:
    """The answer with the headers Django's middleware and DRF would have given it."""
    headers = gate.middleware_headers(language, len(content), secure)
    headers += [(name, value) for name, value in api.FAST_PATH_HEADERS if name != "Vary"]
    headers += extra
    return f"{status} {reason}", headers, content
