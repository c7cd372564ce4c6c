from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models

from portal.core import crypto


class _EmptyOnlyExact(models.lookups.Exact):
    """``field=value`` on an encrypted field: only the empty values can be found this way (a value
    encrypts differently each time, so the query would silently find nothing). Anything else is a
    mistake, and says so."""

    def get_prep_lookup(self):
        if self.rhs not in (None, ""):
            raise FieldError(f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted and cannot be "
                             "compared with a value; look it up by its blind index (crypto.blind_index).")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code only ever sees plaintext.

    Ciphertext is non-deterministic, so only ``isnull`` and empty ``exact`` lookups make sense (a
    value raises ``FieldError`` rather than matching nothing): search by a blind index column instead.
    """

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)
