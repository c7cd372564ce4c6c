"""Encryption at rest and blind indexes for sensitive personal information.

- ``encrypt``/``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) through
  MultiFernet, so ``FIELD_ENCRYPTION_KEYS`` can list a new key first and old keys after it: new
  writes use the first, reads accept any, ``manage.py rotate_encryption_keys`` re-encrypts.
- ``blind_index``: HMAC-SHA256 keyed by ``BLIND_INDEX_KEY``, to find a row by an exact value
  (an ID number) without storing the value or an unkeyed hash a dictionary could reverse.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be read with the configured FIELD_ENCRYPTION_KEYS") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the first (newest) key."""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def blind_index(value: str, *, purpose: str) -> str:
    key = settings.BLIND_INDEX_KEY.encode("utf-8")
    message = f"{purpose}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
