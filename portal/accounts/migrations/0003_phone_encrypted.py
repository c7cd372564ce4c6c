"""Phone numbers encrypted at rest: ``User.phone`` becomes an encrypted column found (and kept
unique) through ``phone_index``, the keyed blind index of the normalised number; a phone identity's
subject becomes that index. Existing rows are converted in place; the reverse decrypts them back."""

from django.db import migrations, models

import portal.core.fields

PHONE_INDEX_PURPOSE = "phone"  # portal.accounts.actions.PHONE_INDEX_PURPOSE
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then a timestamp); no number does


def _normalised(phone: str) -> str:
    from portal.accounts.actions import InvalidPhone, normalize_phone

    try:
        return normalize_phone(phone)
    except InvalidPhone:  # stored by hand in another form: kept as it is, encrypted all the same
        return phone.strip()


def encrypt_phones(apps, schema_editor) -> None:
    """Plaintext numbers → ciphertext + index; phone identities' subjects → the index. Rows already
    converted are left alone (safe to run twice)."""
    from portal.core import crypto

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, phone FROM accounts_user WHERE phone IS NOT NULL AND phone <> ''")
        for user_id, phone in cursor.fetchall():
            if phone.startswith(FERNET_PREFIX):
                continue
            number = _normalised(phone)
            index = crypto.blind_index(number, purpose=PHONE_INDEX_PURPOSE)
            cursor.execute("UPDATE accounts_user SET phone = %s, phone_index = %s WHERE id = %s",
                           [crypto.encrypt(number), index, user_id])
            cursor.execute("UPDATE accounts_identity SET subject = %s WHERE provider = 'phone' AND subject IN (%s, %s)",
                           [index, phone, number])
        # A phone identity whose user no longer holds that number (changed by hand): its number goes too.
        cursor.execute("SELECT id, subject FROM accounts_identity WHERE provider = 'phone'")
        for identity_id, subject in cursor.fetchall():
            if len(subject) != 64:  # an HMAC-SHA256 hex digest is 64 characters; a number is not
                index = crypto.blind_index(_normalised(subject), purpose=PHONE_INDEX_PURPOSE)
                cursor.execute("UPDATE accounts_identity SET subject = %s WHERE id = %s", [index, identity_id])


def decrypt_phones(apps, schema_editor) -> None:
    """The reverse: numbers back in clear, indexes cleared, phone identities' subjects the numbers
    again (of identities whose number no user holds any more, the index stays: it cannot be reversed)."""
    from portal.core import crypto

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, phone, phone_index FROM accounts_user WHERE phone IS NOT NULL AND phone <> ''")
        for user_id, phone, index in cursor.fetchall():
            number = crypto.decrypt(phone) if phone.startswith(FERNET_PREFIX) else phone
            cursor.execute("UPDATE accounts_user SET phone = %s, phone_index = NULL WHERE id = %s", [number, user_id])
            if index:
                cursor.execute("UPDATE accounts_identity SET subject = %s WHERE provider = 'phone' AND subject = %s",
                               [number, index])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_revoked_session'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='phone_index',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name='手机号索引'),
        ),
        migrations.AlterField(
            model_name='identity',
            name='subject',
            field=models.CharField(max_length=128, verbose_name='openid / open_id / user_id / 手机号索引'),
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=portal.core.fields.EncryptedTextField(blank=True, null=True, verbose_name='手机号（加密）'),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
    ]
