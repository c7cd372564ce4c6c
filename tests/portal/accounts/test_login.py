"""Logins of DESIGN §6 against local fakes that speak WeChat's and Alipay's real protocols."""

import re

import pytest

from portal.accounts.models import Identity, User
from tests.fakes import alipay as alipay_fake

pytestmark = pytest.mark.django_db


def test_wechat_login_creates_a_resident_and_returns_tokens(api, fake_wechat):
    fake_wechat.issue("code-1", openid="o-openid-1")
    response = api.post("/api/v1/auth/wechat/", {"code": "code-1"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["access"] and body["refresh"]
    assert body["resident"]["identities"] == ["wechat_mini"]
    assert fake_wechat.requests[0]["query"]["js_code"] == "code-1"
    assert fake_wechat.requests[0]["query"]["grant_type"] == "authorization_code"
    me = api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json()["id"] == body["resident"]["id"]


def test_wechat_login_maps_the_same_openid_to_the_same_resident(api, fake_wechat):
    fake_wechat.issue("first", openid="o-same")
    fake_wechat.issue("second", openid="o-same")
    first = api.post("/api/v1/auth/wechat/", {"code": "first"}, format="json").json()
    second = api.post("/api/v1/auth/wechat/", {"code": "second"}, format="json").json()
    assert first["resident"]["id"] == second["resident"]["id"]
    assert Identity.objects.filter(subject="o-same").count() == 1
    assert User.objects.filter(kind=User.Kind.RESIDENT).count() == 1


def test_wechat_login_with_an_invalid_code_is_a_400_json_error(api, fake_wechat):
    response = api.post("/api/v1/auth/wechat/", {"code": "never-issued"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    assert "小程序" in response.json()["error"]["message"]


def test_wechat_login_with_a_reused_code_is_refused(api, fake_wechat):
    fake_wechat.issue("once", openid="o-1")
    assert api.post("/api/v1/auth/wechat/", {"code": "once"}, format="json").status_code == 200
    again = api.post("/api/v1/auth/wechat/", {"code": "once"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_code"


def test_wechat_busy_is_a_503_with_retry_after(api, fake_wechat):
    fake_wechat.busy = True
    fake_wechat.issue("code-b", openid="o-b")
    response = api.post("/api/v1/auth/wechat/", {"code": "code-b"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_busy"
    assert int(response["Retry-After"]) > 0


def test_wechat_unreachable_is_a_503_not_a_500(api, settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # discard port: connection refused
    response = api.post("/api/v1/auth/wechat/", {"code": "x"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_busy"


def test_wechat_login_links_a_second_app_through_the_unionid(api, fake_wechat, settings):
    fake_wechat.issue("a", openid="o-app1", unionid="u-1")
    first = api.post("/api/v1/auth/wechat/", {"code": "a"}, format="json").json()
    settings.WECHAT_MINI_APPID = fake_wechat.appid = "wx-other-app"
    fake_wechat.issue("b", openid="o-app2", unionid="u-1")
    second = api.post("/api/v1/auth/wechat/", {"code": "b"}, format="json").json()
    assert first["resident"]["id"] == second["resident"]["id"]


def test_wechat_login_without_a_code_names_the_field(api, fake_wechat):
    response = api.post("/api/v1/auth/wechat/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "code" in response.json()["error"]["fields"]


def test_alipay_login_signs_the_request_and_stores_the_open_id(api, fake_alipay):
    fake_alipay.issue("ali-code", open_id="074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5")
    response = api.post("/api/v1/auth/alipay/", {"auth_code": "ali-code"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["resident"]["identities"] == ["alipay"]
    identity = Identity.objects.get(provider="alipay")
    assert identity.subject == "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"
    sent = fake_alipay.requests[0]
    assert sent["method"] == "alipay.system.oauth.token" and sent["sign_type"] == "RSA2" and sent["sign"]


def test_alipay_login_accepts_the_older_user_id(api, fake_alipay):
    fake_alipay.issue("old-app", user_id="2088102150477652")
    response = api.post("/api/v1/auth/alipay/", {"auth_code": "old-app"}, format="json")
    assert response.status_code == 200
    assert Identity.objects.get(provider="alipay").subject == "2088102150477652"


def test_alipay_gateway_refuses_a_request_signed_with_the_wrong_key(api, fake_alipay, settings):
    settings.ALIPAY_APP_PRIVATE_KEY = alipay_fake.private_pem_pkcs1(alipay_fake.new_key())
    fake_alipay.issue("code-x", open_id="o-x")
    response = api.post("/api/v1/auth/alipay/", {"auth_code": "code-x"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_error"
    assert not Identity.objects.exists()


def test_alipay_answer_whose_signature_does_not_verify_is_not_trusted(api, fake_alipay):
    fake_alipay.tamper_responses = True
    fake_alipay.issue("code-t", user_id="2088000000000001")
    response = api.post("/api/v1/auth/alipay/", {"auth_code": "code-t"}, format="json")
    assert response.status_code == 503
    assert not Identity.objects.exists()


def test_alipay_invalid_auth_code_is_a_400(api, fake_alipay):
    response = api.post("/api/v1/auth/alipay/", {"auth_code": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"


def _code_from(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1][1]).group(1)


def test_sms_login_with_the_sent_code(api, sms_outbox):
    sent = api.post("/api/v1/auth/sms/send/", {"phone": "139 0000 0009"}, format="json")
    assert sent.status_code == 202
    assert sms_outbox[-1][0] == "13900000009"
    response = api.post("/api/v1/auth/sms/", {"phone": "13900000009", "code": _code_from(sms_outbox)},
                        format="json")
    assert response.status_code == 200
    assert response.json()["resident"]["phone"] == "139****0009"


def test_sms_code_is_single_use(api, sms_outbox):
    api.post("/api/v1/auth/sms/send/", {"phone": "13900000009"}, format="json")
    code = _code_from(sms_outbox)
    assert api.post("/api/v1/auth/sms/", {"phone": "13900000009", "code": code}, format="json").status_code == 200
    again = api.post("/api/v1/auth/sms/", {"phone": "13900000009", "code": code}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "sms_code_expired"


def test_sms_code_is_burnt_after_a_few_wrong_tries(api, sms_outbox, settings):
    api.post("/api/v1/auth/sms/send/", {"phone": "13900000009"}, format="json")
    code = _code_from(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.SMS_CODE_MAX_ATTEMPTS):
        response = api.post("/api/v1/auth/sms/", {"phone": "13900000009", "code": wrong}, format="json")
        assert response.json()["error"]["code"] == "invalid_sms_code"
    late = api.post("/api/v1/auth/sms/", {"phone": "13900000009", "code": code}, format="json")
    assert late.status_code == 400
    assert late.json()["error"]["code"] == "sms_code_expired"


def test_sms_code_expires(api, sms_outbox, settings):
    from django.core.cache import cache

    api.post("/api/v1/auth/sms/send/", {"phone": "13900000009"}, format="json")
    code = _code_from(sms_outbox)
    cache.delete_many(["sms:code:13900000009", "sms:attempts:13900000009"])  # what the TTL does
    response = api.post("/api/v1/auth/sms/", {"phone": "13900000009", "code": code}, format="json")
    assert response.json()["error"]["code"] == "sms_code_expired"


def test_sms_resend_within_a_minute_is_refused(api, sms_outbox):
    assert api.post("/api/v1/auth/sms/send/", {"phone": "13900000009"}, format="json").status_code == 202
    again = api.post("/api/v1/auth/sms/send/", {"phone": "13900000009"}, format="json")
    assert again.status_code == 429
    assert again.json()["error"]["code"] == "sms_cooldown"
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("phone", ["12345", "1٣٩٠٠٠٠٠٠٠٩", "１３９０００００００９x"])
def test_sms_send_refuses_a_malformed_phone(api, sms_outbox, phone):
    response = api.post("/api/v1/auth/sms/send/", {"phone": phone}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_phone"
    assert not sms_outbox


def test_staff_login_and_wrong_password(api):
    from portal.accounts import actions

    actions.staff_ensure(username="doc1", password="a-long-password-1", display_name="王医生", role="doctor")
    ok = api.post("/api/v1/auth/staff/", {"username": "doc1", "password": "a-long-password-1"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["staff"]["roles"] == ["doctor"]
    bad = api.post("/api/v1/auth/staff/", {"username": "doc1", "password": "nope"}, format="json")
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_credentials"


def test_forty_rapid_failed_logins_from_one_client_meet_429s(api):
    statuses = [
        api.post("/api/v1/auth/staff/", {"username": f"user{i}", "password": "wrong"}, format="json").status_code
        for i in range(40)
    ]
    assert statuses.count(429) >= 15
    assert set(statuses) <= {401, 429}
    last = api.post("/api/v1/auth/staff/", {"username": "x", "password": "y"}, format="json")
    assert last.json()["error"]["code"] == "rate_limited"
    assert last["Retry-After"]


def test_guessing_one_accounts_password_from_many_addresses_is_limited_per_username(api):
    statuses = [
        api.post("/api/v1/auth/staff/", {"username": "admin", "password": f"guess{i}"}, format="json",
                 REMOTE_ADDR=f"10.0.{i}.1").status_code
        for i in range(30)
    ]
    assert 429 in statuses
