import pytest
from django.db import connection

from portal.accounts import actions
from portal.accounts.models import User

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


@pytest.fixture
def resident():
    return actions.resident_for_phone(phone="13900000021")


@pytest.fixture
def tokens(api, resident):
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(resident)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def test_refresh_rotates_and_the_old_refresh_token_stops_working(api, tokens):
    first = api.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    replay = api.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "authentication_failed"


def test_logout_revokes_the_refresh_token(api, tokens):
    assert api.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    after = api.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert after.status_code == 401


def test_me_without_a_token_is_a_401_json_error(api):
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_garbage_token_is_a_401_not_a_500(api):
    response = api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert response.status_code == 401


def test_realname_binding_masks_everything_it_returns(api, tokens):
    response = api.post("/api/v1/auth/realname/", {"name": "张小三", "id_number": VALID_ID}, format="json",
                        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["realname_verified"] is True
    assert body["id_number"] == "1101**********002X"
    assert body["name"] == "张*三"
    assert VALID_ID not in response.content.decode()
    assert "张小三" not in response.content.decode()


def test_realname_binding_refuses_a_wrong_check_digit(api, tokens):
    response = api.post("/api/v1/auth/realname/", {"name": "张三", "id_number": "110105194912310021"},
                        format="json", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_id_number"
    assert "id_number" in response.json()["error"]["fields"]


def test_the_raw_database_row_holds_no_plaintext_id_number_or_name(resident):
    actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [resident.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert VALID_ID not in row
    assert VALID_ID.lower() not in row
    assert "张小三" not in row
    assert "1101**********002X" in row  # only the masked form is readable
    fresh = User.objects.get(pk=resident.pk)
    assert fresh.id_number == VALID_ID  # the application can still read it


def test_a_resident_is_found_by_id_number_through_the_blind_index(resident):
    actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID.lower())
    assert actions.resident_by_id_number(id_number=VALID_ID) == resident


def test_one_id_number_binds_one_account(api, resident):
    actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID)
    other = actions.resident_for_phone(phone="13900000022")
    with pytest.raises(actions.IdNumberTaken):
        actions.realname_bind(user=other, name="张小三", id_number=VALID_ID)


def test_binding_twice_with_the_same_identity_is_idempotent(resident):
    actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID)
    again = actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID)
    assert again.is_realname_verified


def test_rotating_the_encryption_key_keeps_data_readable(resident, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    actions.realname_bind(user=resident, name="张小三", id_number=VALID_ID)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # old key retired
    assert User.objects.get(pk=resident.pk).id_number == VALID_ID


def test_every_permission_a_role_lists_exists():
    """A typo in ROLE_PERMISSIONS would silently leave a role without a right it needs."""
    from django.contrib.auth.models import Permission

    from portal.accounts.roles import ROLE_PERMISSIONS

    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    missing = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms} - existing
    assert not missing


def test_roles_get_exactly_their_permissions():
    from django.contrib.auth.models import Group

    from portal.accounts.roles import ROLE_PERMISSIONS, ensure_roles

    ensure_roles()
    for role, perms in ROLE_PERMISSIONS.items():
        granted = {f"{p.content_type.app_label}.{p.codename}"
                   for p in Group.objects.get(name=role).permissions.select_related("content_type")}
        assert granted == set(perms), role
