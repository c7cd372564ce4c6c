"""What the WebSocket consumers share: the resident's language, read once from the handshake.

Error frames carry a sentence a resident understands, in the language the client asked for with
``Accept-Language`` (Chinese by default) — the same choice ``LocaleMiddleware`` makes for HTTP.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def header(scope: dict, name: bytes) -> str | None:
    """A request header of the handshake (``name`` in lower case), or None."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def language_of(scope: dict) -> str:
    """The supported language the handshake's ``Accept-Language`` prefers, else the default."""
    for code, _quality in parse_accept_lang_header(header(scope, b"accept-language") or ""):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def in_language(language: str, message) -> str:
    """``message`` (a lazy translation or plain text) as text in ``language``."""
    with translation.override(language):
        return str(message)
