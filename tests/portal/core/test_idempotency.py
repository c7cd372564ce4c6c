import threading

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from portal.accounts import actions
from portal.core.idempotency import idempotency_purge
from portal.core.models import IdempotencyKey
from tests.portal.core import idempotency_urls

pytestmark = [pytest.mark.urls("tests.portal.core.idempotency_urls")]


def client_for(phone: str) -> APIClient:
    client = APIClient()
    user = actions.resident_for_phone(phone=phone)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture(autouse=True)
def _reset():
    idempotency_urls.calls.clear()
    idempotency_urls.gate.update(entered=threading.Event(), release=threading.Event(), block=False)


@pytest.mark.django_db
def test_a_replay_returns_the_first_response_and_does_not_write_twice():
    client = client_for("13900000031")
    first = client.post("/api/v1/things/", {"name": "羽毛球"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/api/v1/things/", {"name": "羽毛球"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert len(idempotency_urls.calls) == 1


@pytest.mark.django_db
def test_another_user_with_the_same_key_is_independent():
    a, b = client_for("13900000031"), client_for("13900000032")
    ra = a.post("/api/v1/things/", {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    rb = b.post("/api/v1/things/", {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert ra.status_code == rb.status_code == 201
    assert ra.json()["id"] != rb.json()["id"]
    assert len(idempotency_urls.calls) == 2


@pytest.mark.django_db
def test_a_refusal_is_replayed_too():
    client = client_for("13900000031")
    first = client.post("/api/v1/things/", {"name": "taken"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    again = client.post("/api/v1/things/", {"name": "taken"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == again.status_code == 409
    assert again.json()["error"]["code"] == "taken"
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_5xx_is_not_stored_so_the_client_can_retry():
    client = client_for("13900000031")
    failed = client.post("/api/v1/things/", {"name": "boom"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "server_error"
    assert "Traceback" not in failed.content.decode()
    assert not IdempotencyKey.objects.filter(key="k-3").exists()


@pytest.mark.django_db
def test_reusing_a_key_for_a_different_request_is_refused():
    client = client_for("13900000031")
    client.post("/api/v1/things/", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    other = client.post("/api/v1/things/", {"name": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_keys_older_than_a_day_are_purged_and_then_the_key_is_fresh():
    import datetime as dt

    from django.utils import timezone

    client = client_for("13900000031")
    client.post("/api/v1/things/", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_purge() == 1
    again = client.post("/api/v1/things/", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert len(idempotency_urls.calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_gets_409_while_the_first_is_in_flight():
    from django.db import connections

    client = client_for("13900000031")
    idempotency_urls.gate["block"] = True
    results = {}

    def first_request():
        try:
            results["first"] = client.post("/api/v1/things/", {"name": "网球"}, format="json",
                                           HTTP_IDEMPOTENCY_KEY="k-6")
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_request)
    thread.start()
    assert idempotency_urls.gate["entered"].wait(10), "first request never reached the view"
    idempotency_urls.gate["block"] = False
    duplicate = client.post("/api/v1/things/", {"name": "网球"}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    idempotency_urls.gate["release"].set()
    thread.join(10)

    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_in_progress"
    assert int(duplicate["Retry-After"]) >= 1
    assert results["first"].status_code == 201
    assert len(idempotency_urls.calls) == 1
    replay = client.post("/api/v1/things/", {"name": "网球"}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    assert replay.json() == results["first"].json()


@pytest.mark.django_db
def test_an_expired_key_the_purge_has_not_reached_yet_is_fresh_again():
    import datetime as dt

    from django.utils import timezone

    client = client_for("13900000031")
    client.post("/api/v1/things/", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k-7")
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    again = client.post("/api/v1/things/", {"name": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k-7")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["name"] == "b"
    record = IdempotencyKey.objects.get(key="k-7")
    assert record.response_status == 201 and record.response_body["name"] == "b"
    assert len(idempotency_urls.calls) == 2


@pytest.mark.django_db
def test_the_stored_fingerprint_of_a_body_with_an_id_number_cannot_be_recomputed_without_the_key(settings):
    """A clerk's counter registration sends {"item", "id_number"}: an unkeyed SHA-256 of that body in
    core_idempotencykey would give the ID number back to anyone trying the few billion candidates of
    one district (crypto.py's reason for a keyed blind index). The fingerprint is keyed, like it."""
    import hashlib
    import json

    body = {"name": "窗口登记", "id_number": "11010519491231002X"}
    client = client_for("13900000039")
    assert client.post("/api/v1/things/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-id").status_code == 201
    stored = IdempotencyKey.objects.get(key="k-id").fingerprint
    unkeyed = json.dumps(body, sort_keys=True, ensure_ascii=False)
    assert stored != hashlib.sha256(unkeyed.encode()).hexdigest()
    assert "11010519491231002X" not in stored
    # The same body under the same key is still recognised as a replay.
    replay = client.post("/api/v1/things/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-id")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
