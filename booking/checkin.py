"""Rotating check-in tokens (the text in the QR code a resident shows at the gate).

``BK1.<booking id>.<step>.<signature>``: ``step`` is the current 30-second period (like TOTP) and
the signature is an HMAC keyed by SECRET_KEY over the booking id, the step and a per-booking random
secret. A token is accepted during its own step and the next one (30–60 s), so a screenshot passed
to someone else goes stale within a minute; the booking itself can be checked in once only, which
makes every token single use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX = "BK1"
_SALT = "booking.checkin.v1"
_PATTERN = re.compile(r"^BK1\.(\d{1,18})\.(\d{1,12})\.([0-9a-f]{24})$")


@dataclass(frozen=True)
class ParsedToken:
    booking_id: int
    step: int
    signature: str


def _step_seconds() -> int:
    return settings.BOOKING_CHECKIN_TOKEN_STEP_SECONDS


def current_step(now: dt.datetime) -> int:
    return int(now.timestamp()) // _step_seconds()


def _sign(booking_id: int, step: int, secret: str) -> str:
    return salted_hmac(_SALT, f"{booking_id}:{step}:{secret}", algorithm="sha256").hexdigest()[:24]


def issue(*, booking_id: int, secret: str, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The token for now and the moment it stops being accepted."""
    step = current_step(now)
    expires = dt.datetime.fromtimestamp((step + 2) * _step_seconds(), tz=dt.UTC)
    return f"{PREFIX}.{booking_id}.{step}.{_sign(booking_id, step, secret)}", expires


def parse(token: str) -> ParsedToken | None:
    match = _PATTERN.match((token or "").strip())
    if not match:
        return None
    return ParsedToken(int(match.group(1)), int(match.group(2)), match.group(3))


def signature_valid(parsed: ParsedToken, secret: str) -> bool:
    return constant_time_compare(parsed.signature, _sign(parsed.booking_id, parsed.step, secret))


def fresh(parsed: ParsedToken, now: dt.datetime) -> bool:
    return current_step(now) - parsed.step in (0, 1)
