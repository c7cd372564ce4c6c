"""Masking (脱敏) of personal data for responses and logs. Pure Python, no Django."""

from __future__ import annotations

import re

# 18-digit resident ID (last may be X) or legacy 15-digit, not part of a longer digit run.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[\dXxＸｘ])(?![0-9A-Za-z])")
_ID15_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# As residents type them into the chat: in groups (110105 19491231 002X, 139-0000-0001), one space
# or hyphen at most between two digits, and a mobile number after the country code (+86, 86).
_GAP = r"[ \-\u3000]?"
_ID_GAPS_RE = re.compile(rf"(?<![0-9A-Za-z])\d(?:{_GAP}\d){{16}}{_GAP}[\dXxＸｘ](?![0-9A-Za-z])")
_MOBILE_GAPS_RE = re.compile(rf"(?<![\d+])(\+?86{_GAP})?(1[3-9]\d(?:{_GAP}\d){{8}})(?!\d)")
_GAPS = re.compile(_GAP.rstrip("?"))


def mask_id_number(value: str) -> str:
    """``310101199003071234`` → ``3101**********1234`` (first 4, last 4 visible)."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``张小三`` → ``张*三``, ``欧阳娜娜`` → ``欧**娜``."""
    value = (value or "").strip()
    if len(value) <= 1:
        return "*" * len(value)
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text (log lines)."""
    if not text:
        return text
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _ID15_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _ID_GAPS_RE.sub(lambda m: mask_id_number(_GAPS.sub("", m.group(0))), text)
    text = _MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    return _MOBILE_GAPS_RE.sub(lambda m: (m.group(1) or "") + mask_phone(_GAPS.sub("", m.group(2))), text)
