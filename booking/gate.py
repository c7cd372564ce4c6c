"""The rush gate: booking attempts on a slot seen sold out a moment ago, refused before Django.

In a rush almost every attempt is a refusal. ``booking.soldout`` remembers the slots seen full and
who holds them; an attempt on such a slot, with a valid bearer token of a resident who never
booked it, is answered 409 ``slot_full`` here — the contract's body in the resident's language,
with the headers Django's middleware would have added — without building a Django request, running
the middleware, DRF or the database. ``wsgi(app)`` puts the gate in front of the WSGI application
(granian, or any WSGI server); ``refuses`` is the same decision for the view-level gate that serves the ASGI server.

Anything else goes on — to the fast path (``booking.fast``), which answers the ordinary valid
attempt with the view's own calls, or to Django — and gets the exact answer: no or a bad token
(401, so anonymous callers learn nothing), bad JSON, a slot not known full, a host Django would
refuse, a plain-HTTP request Django would redirect, a cross-origin request (CORS headers are the
middleware's), and a resident who ever booked the slot (their request may be a retry whose 201
must be replayed, even if they cancelled since). Gate refusals are not stored under the
Idempotency-Key: a retry is judged afresh.

The token's signature and expiry are all the gate checks: an access token of a session ended by
logout (``portal.accounts.models.RevokedSession``) still gets ``slot_full`` here. Knowing that would
cost a database read per refusal, which is what the gate exists to avoid, and the refusal says only
that the slot is full — what the public slot listing says to anyone. Every other attempt with that
token reaches the bearer authentication, which refuses it (docs/privacy.md).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable

from corsheaders.conf import conf as cors_conf
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.settings import api_settings

from booking import errors, soldout
from portal.core.errors import error_body
from portal.core.language import language_for

PATH = "/api/v1/bookings/"
MAX_BODY = 4096  # a booking is a few dozen bytes; anything larger takes the normal path
# Set in the WSGI environ (``request.META``) when this gate found nothing to refuse.
JUDGED = "booking.gate.judged"
_tokens = JWTStatelessUserAuthentication()
_bodies: dict[str, bytes] = {}


def _resident_id(authorization: bytes | str | None) -> int | None:
    """The resident id of a valid bearer token, else None."""
    if not authorization:
        return None
    if isinstance(authorization, str):
        authorization = authorization.encode("latin-1", "replace")
    try:
        raw = _tokens.get_raw_token(authorization)
        if raw is None:
            return None
        return int(_tokens.get_validated_token(raw)[api_settings.USER_ID_CLAIM])
    except Exception:  # invalid, expired or malformed: Django answers 401
        return None


def refuses(body: bytes, authorization: bytes | str | None) -> bool:
    """Whether this booking attempt can be refused ``slot_full`` without looking further."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):  # not JSON, or nested too deep to decode: DRF's parser answers
        return False
    slot_id = data.get("slot") if isinstance(data, dict) else None
    if type(slot_id) is not int or not soldout.is_sold_out(slot_id):
        return False
    resident_id = _resident_id(authorization)
    return resident_id is not None and soldout.refuses(slot_id, resident_id)


def encoded_refusal(language: str) -> bytes:
    """The refusal's body in ``language``, as DRF renders it (compact JSON, UTF-8)."""
    body = _bodies.get(language)
    if body is None:
        with translation.override(language):
            refusal = error_body(errors.SlotFull.code, errors.SlotFull.message)
            body = json.dumps(refusal, ensure_ascii=False, separators=(",", ":")).encode()
        _bodies[language] = body
    return body


def is_secure(environ: dict) -> bool:
    """Whether Django would see this request as HTTPS (``HttpRequest.is_secure``)."""
    header, value = settings.SECURE_PROXY_SSL_HEADER or (None, None)
    if header and header in environ:
        return environ[header].split(",", 1)[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


def host_allowed(environ: dict) -> bool:
    """Whether Django would accept this request's host (``ALLOWED_HOSTS``)."""
    host = ((settings.USE_X_FORWARDED_HOST and environ.get("HTTP_X_FORWARDED_HOST")) or environ.get("HTTP_HOST")
            or environ.get("SERVER_NAME", ""))  # as HttpRequest.get_host reads it
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def middleware_headers(language: str, length: int, secure: bool) -> list[tuple[str, str]]:
    """The headers the middleware stack (settings.MIDDLEWARE) adds to this JSON answer."""
    headers = [("Content-Type", "application/json"), ("Content-Length", str(length))]
    if settings.SECURE_HSTS_SECONDS and secure:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        headers.append(("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    # LocaleMiddleware varies on the language; django-cors-headers on the origin for API paths.
    vary = "Accept-Language, origin" if re.match(cors_conf.CORS_URLS_REGEX, PATH) else "Accept-Language"
    headers += [("Vary", vary), ("Content-Language", language),
                ("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())]
    return headers


def _request_body(environ: dict) -> bytes | None:
    """The body of a booking attempt the gate may answer (small, same-origin), or None. Puts it
    back (``wsgi.input``) for Django."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY or environ.get("HTTP_ORIGIN"):
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _refusal(environ: dict, body: bytes) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """The refusal for this request, or None to let Django (or the fast path) answer."""
    if not refuses(body, environ.get("HTTP_AUTHORIZATION")):
        environ[JUDGED] = True  # the view-level gate need not ask the sold-out memory again
        return None
    if not host_allowed(environ):
        return None
    secure = is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    language = language_for(environ)
    answer = encoded_refusal(language)
    return "409 Conflict", middleware_headers(language, len(answer), secure), answer


def wsgi(app: Callable) -> Callable:
    """``app`` behind the gate (portal/wsgi.py)."""

    def gated(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == PATH:
            body = _request_body(environ)
            answer = None if body is None else _refusal(environ, body) or fast.answer(environ, body)
            if answer is not None:
                status, headers, content = answer
                start_response(status, headers)
                return [content]
        return app(environ, start_response)

    return gated


from booking import fast  # noqa: E402  (it uses this module's helpers)
