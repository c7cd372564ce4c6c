"""Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run
this command, then drop the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from portal.core import crypto
from portal.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under the newest key"

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")  # noqa: S608 — identifiers quoted by the backend
                    rows = cursor.fetchall()
                    for row_pk, token in rows:
                        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                                       [crypto.rotate(token), row_pk])
                total += len(rows)
                self.stdout.write(f"{model._meta.label}.{field.name}: {len(rows)} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"done: {total} values"))
