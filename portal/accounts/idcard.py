"""Resident identity card numbers (GB 11643-1999). Pure Python, no Django."""

from __future__ import annotations

import datetime as dt
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")  # not \d: it matches every script's digits


def check_digit(first17: str) -> str:
    """The 18th character for 17 leading digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    """Strip spaces, full-width digits and a lower-case x, so residents may type either."""
    import unicodedata

    return unicodedata.normalize("NFKC", value or "").replace(" ", "").upper()


def is_valid(value: str, *, today: dt.date | None = None) -> bool:
    """18 characters, a real birth date not in the future, and a correct check digit."""
    value = normalize(value)
    if not _PATTERN.match(value):
        return False
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born > (today or dt.date.today()) or born.year < 1890:
        return False
    return check_digit(value[:17]) == value[17]


def birth_date(value: str) -> dt.date:
    value = normalize(value)
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender(value: str) -> str:
    """'M' or 'F' from the sequence code's parity."""
    return "M" if int(normalize(value)[16]) % 2 else "F"


def make(area: str, born: dt.date, sequence: int) -> str:
    """A well-formed number (for demo data and tests): 6-digit area, birth date, 3-digit sequence."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
