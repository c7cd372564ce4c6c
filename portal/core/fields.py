from __future__ import annotations

from django.db import models

from portal.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code only ever sees plaintext.

    Ciphertext is non-deterministic, so only ``isnull`` lookups make sense: search by a blind
    index column instead.
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
        if lookup_name not in {"isnull", "exact"}:
            return None
        return super().get_lookup(lookup_name)
