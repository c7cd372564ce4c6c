"""What the WebSocket consumers share: the resident's language, read once from the handshake.

Error frames carry a sentence a resident understands, in the language the client asked for with
``Accept-Language`` or the language cookie (Chinese by default) — the choice ``LocaleMiddleware``
makes for HTTP.
"""

from __future__ import annotations

from django.utils import translation

from portal.core.language import language_for


def header(scope: dict, name: bytes) -> str | None:
    """A request header of the handshake (``name`` in lower case), or None."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def language_of(scope: dict) -> str:
    """The language ``LocaleMiddleware`` would choose for the handshake (cookie, Accept-Language)."""
    return language_for({"HTTP_ACCEPT_LANGUAGE": header(scope, b"accept-language") or "",
                         "HTTP_COOKIE": header(scope, b"cookie") or ""})


def in_language(language: str, message) -> str:
    """``message`` (a lazy translation or plain text) as text in ``language``."""
    with translation.override(language):
        return str(message)
