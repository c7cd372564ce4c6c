"""The language ``LocaleMiddleware`` would choose, for code that answers outside a Django request:
the WSGI rush gate (booking/gate.py) and the WebSocket consumers (portal/core/ws.py)."""

from __future__ import annotations

from django.http import parse_cookie
from django.utils import translation


class _Probe:
    """What ``get_language_from_request`` reads of a request: its META and cookies."""

    def __init__(self, meta: dict):
        self.META = meta
        self.COOKIES = parse_cookie(meta.get("HTTP_COOKIE", ""))


def language_for(meta: dict) -> str:
    """The supported language for a request with these WSGI-style headers (``HTTP_…`` keys): the
    language cookie, then ``Accept-Language``, then the default."""
    return translation.get_language_from_request(_Probe(meta))
