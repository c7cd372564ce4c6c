"""Phone numbers are stored encrypted, found and kept unique through a keyed blind index, and shown
masked only."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from portal.accounts import actions
from portal.accounts.models import Identity, User
from portal.core import crypto

NUMBER = "13900000051"


def _stored(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return " ".join(str(v) for row in cursor.fetchall() for v in row)


def _digits_of_the_number_in(text: str) -> list[str]:
    """Runs of four or more of the number's digits in a row (a Fernet token's base64 has random digits)."""
    return [run for run in re.findall(r"\d{4,}", text) if run in NUMBER]


@pytest.mark.django_db
def test_the_stored_columns_hold_no_digits_of_the_number(sms_outbox, api):
    resident = actions.resident_for_phone(phone=NUMBER)
    user_row = _stored("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [resident.pk])
    identity_row = _stored("SELECT subject FROM accounts_identity WHERE user_id = %s", [resident.pk])
    for stored in (user_row, identity_row):
        assert NUMBER not in stored and "139****0051" not in stored
        assert _digits_of_the_number_in(stored) == []
    assert User.objects.get(pk=resident.pk).phone == NUMBER  # Python sees the number


@pytest.mark.django_db
def test_sms_login_finds_the_same_resident_by_the_index_whichever_way_the_number_is_written(api, sms_outbox):
    resident = actions.resident_for_phone(phone=NUMBER)
    api.post("/api/v1/auth/sms/send/", {"phone": "+86 139-0000-0051"}, format="json")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1][1]).group(1)
    response = api.post("/api/v1/auth/sms/", {"phone": "１３９００００００５１", "code": code}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["resident"]["id"] == resident.pk
    assert body["resident"]["phone"] == "139****0051"
    assert NUMBER not in response.content.decode()
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == 1
    assert Identity.objects.filter(provider=Identity.Provider.PHONE).count() == 1


@pytest.mark.django_db
def test_two_users_cannot_share_a_number(db):
    first = actions.resident_for_phone(phone=NUMBER)
    assert actions.resident_for_phone(phone=NUMBER).pk == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="copy", phone=NUMBER, phone_index=actions.phone_index(NUMBER))


@pytest.mark.django_db
def test_a_number_cannot_be_stored_without_its_index(db):
    """A write that forgets the index would make the number unfindable and escape uniqueness: the
    database refuses it."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="no-index", phone=NUMBER)
    assert User.objects.create(username="no-phone").phone_index is None


@pytest.mark.django_db
def test_the_admin_finds_a_resident_by_the_whole_number_and_shows_it_masked(client):
    resident = actions.resident_for_phone(phone=NUMBER, display_name="小周")
    admin_user = actions.staff_ensure(username="root", password="x-long-password-1", display_name="管理员",
                                      role="admin", superuser=True)
    client.force_login(admin_user)
    ciphertext = _stored("SELECT phone FROM accounts_user WHERE id = %s", [resident.pk])
    listing = client.get("/admin/accounts/user/", {"q": "139 0000 0051"}).content.decode()
    assert f"/admin/accounts/user/{resident.pk}/change/" in listing and "139****0051" in listing
    assert "/admin/accounts/user/" + str(admin_user.pk) + "/change/" not in listing
    page = client.get(f"/admin/accounts/user/{resident.pk}/change/").content.decode()
    assert "139****0051" in page
    for shown in (listing, page):
        assert NUMBER not in shown and ciphertext not in shown and actions.phone_index(NUMBER) not in shown


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_a_plaintext_row_and_its_reverse_restores_it(db):
    executor = MigrationExecutor(connection)
    before, after = [("accounts", "0002_revoked_session")], executor.loader.graph.leaf_nodes("accounts")
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined, kind, display_name, phone, real_name, id_number, "
                "id_number_masked) VALUES ('!', %s, 'old', '', '', '', %s, %s, %s, 'resident', '', %s, '', '', '')",
                [False, False, True, "2026-01-01 00:00:00", NUMBER])
            cursor.execute("SELECT id FROM accounts_user WHERE username = 'old'")
            (user_id,) = cursor.fetchone()
            cursor.execute("INSERT INTO accounts_identity (user_id, provider, app_id, subject, union_id, extra, "
                           "created_at) VALUES (%s, 'phone', '', %s, '', '{}', %s)",
                           [user_id, NUMBER, "2026-01-01 00:00:00"])
        executor = MigrationExecutor(connection)
        executor.migrate(after)

        stored = _stored("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user_id])
        subject = _stored("SELECT subject FROM accounts_identity WHERE user_id = %s", [user_id])
        assert NUMBER not in stored and _digits_of_the_number_in(stored + " " + subject) == []
        assert crypto.decrypt(stored.split()[0]) == NUMBER
        assert subject == actions.phone_index(NUMBER)
        assert actions.resident_for_phone(phone=NUMBER).pk == user_id  # the SMS login finds them

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert _stored("SELECT phone FROM accounts_user WHERE id = %s", [user_id]) == NUMBER
        assert _stored("SELECT subject FROM accounts_identity WHERE user_id = %s", [user_id]) == NUMBER
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_looking_an_encrypted_column_up_by_its_value_is_refused_not_silently_empty():
    from django.core.exceptions import FieldError

    resident = actions.resident_for_phone(phone=NUMBER)
    for field in ("phone", "id_number", "real_name"):
        with pytest.raises(FieldError, match="blind index"):
            User.objects.filter(**{field: "13900000051"}).exists()
    # What can be asked: empty or not, and the row by its index.
    assert User.objects.filter(pk=resident.pk, id_number="").exists()
    assert User.objects.filter(pk=resident.pk, phone__isnull=False).exists()
    assert User.objects.get(phone_index=crypto.blind_index(NUMBER, purpose="phone")) == resident
