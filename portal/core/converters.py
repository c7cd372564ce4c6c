"""Path converters every app's URLs share (registered in ``CoreConfig.ready``)."""

from __future__ import annotations

# The largest primary key a row can have (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1


class RowIdConverter:
    """``<id:...>``: a row id, 0 to :data:`MAX_ID`. A longer number names no row, and handed on it
    overflows the database driver (a 500) wherever the ORM does not guard the lookup (foreign keys,
    fixed SQL); here the URL does not match, so the answer is the contract's 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class KeyConverter:
    """``<key:...>``: an opaque key a row is found by (a chat session id, a receipt number): letters,
    digits, ``_`` and ``-``. Anything else names no row, and some of it the database refuses to
    compare (PostgreSQL: a NUL in text is an error, a 500); here the URL does not match (404)."""

    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ReceiptConverter(KeyConverter):
    """``<receipt:...>``: a receipt number as a resident types it — also in full-width letters and
    digits (a phone's Chinese keyboard) and with spaces, hyphens, dashes (– —, a phone's smart
    punctuation), dots or middle dots between groups, the separators the chat forgives too; the
    lookup normalises it. Still nothing a database refuses to compare."""

    regex = "[A-Za-z0-9_.\\- \u00B7\u2013\u2014\u3000\uFF0D\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]{1,64}"
