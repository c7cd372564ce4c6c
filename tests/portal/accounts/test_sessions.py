"""Logout ends the session at once: the refresh token and every access token minted in that
session are refused immediately, other sessions of the same resident go on, and the check costs
no statement of its own (it is part of the one statement reading the bearer user)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from portal.accounts import actions
from portal.accounts.models import RevokedSession
from portal.accounts.tasks import expired_tokens_flush, revoked_sessions_purge
from portal.accounts.tokens import login_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    return actions.resident_for_phone(phone="13900000031")


@pytest.fixture
def sign_in(resident):
    """A new session, as each login view starts one (a phone, a laptop): {"access", "refresh"}."""
    return lambda: login_tokens(resident)


def me(api, access):
    return api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def logout(api, refresh):
    return api.post("/api/v1/auth/logout/", {"refresh": refresh}, format="json")


def test_logout_refuses_the_access_token_of_that_session_at_once(api, sms_outbox):
    api.post("/api/v1/auth/sms/send/", {"phone": "13900000031"}, format="json")
    code = sms_outbox[-1][1].split("验证码是 ")[1][:6]
    phone = api.post("/api/v1/auth/sms/", {"phone": "13900000031", "code": code}, format="json").json()
    assert me(api, phone["access"]).status_code == 200
    assert logout(api, phone["refresh"]).status_code == 204
    refused = me(api, phone["access"])
    assert refused.status_code == 401
    garbage = me(api, "not.a.jwt")
    assert refused.json() == garbage.json()  # exactly the contract's answer to an invalid token
    assert refused.json()["error"]["code"] == "authentication_failed"


def test_logout_leaves_the_other_sessions_of_the_same_resident_signed_in(api, sign_in):
    phone, laptop = sign_in(), sign_in()
    assert logout(api, phone["refresh"]).status_code == 204
    assert me(api, laptop["access"]).status_code == 200
    refreshed = api.post("/api/v1/auth/refresh/", {"refresh": laptop["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert me(api, refreshed.json()["access"]).status_code == 200


def test_refresh_after_logout_is_refused(api, sign_in):
    phone = sign_in()
    logout(api, phone["refresh"])
    refused = api.post("/api/v1/auth/refresh/", {"refresh": phone["refresh"]}, format="json")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"


def test_rotation_keeps_the_session_so_logout_ends_the_access_tokens_minted_before_and_after(api, sign_in):
    first = sign_in()
    rotated = api.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json").json()
    assert RefreshToken(rotated["refresh"])["sid"] == RefreshToken(first["refresh"], verify=False)["sid"]
    assert logout(api, rotated["refresh"]).status_code == 204
    assert me(api, first["access"]).status_code == 401
    assert me(api, rotated["access"]).status_code == 401


def test_logging_out_with_an_already_rotated_refresh_token_still_ends_the_session(api, sign_in):
    """The old refresh token is blacklisted but still names the session; its newest refresh token
    must not outlive the logout."""
    first = sign_in()
    rotated = api.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json").json()
    assert logout(api, first["refresh"]).status_code == 204
    assert me(api, rotated["access"]).status_code == 401
    assert api.post("/api/v1/auth/refresh/", {"refresh": rotated["refresh"]}, format="json").status_code == 401


def test_a_garbage_or_foreign_refresh_token_logs_nothing_out(api, sign_in):
    phone = sign_in()
    assert logout(api, "not.a.jwt").status_code == 204
    forged = phone["refresh"][:-4] + ("AAAA" if not phone["refresh"].endswith("AAAA") else "BBBB")
    assert logout(api, forged).status_code == 204
    assert me(api, phone["access"]).status_code == 200
    assert not RevokedSession.objects.exists()


def test_tokens_issued_before_sessions_keep_working_until_they_expire(api, resident):
    refresh = RefreshToken.for_user(resident)  # no sid claim, as every token minted before this change
    assert "sid" not in refresh.payload
    assert me(api, str(refresh.access_token)).status_code == 200
    refreshed = api.post("/api/v1/auth/refresh/", {"refresh": str(refresh)}, format="json")
    assert refreshed.status_code == 200
    assert me(api, refreshed.json()["access"]).status_code == 200
    assert logout(api, refreshed.json()["refresh"]).status_code == 204  # blacklisted, as before
    assert api.post("/api/v1/auth/refresh/", {"refresh": refreshed.json()["refresh"]},
                    format="json").status_code == 401


def test_the_revocation_check_is_part_of_the_one_statement_reading_the_bearer_user(api, sign_in, resident):
    session = sign_in()
    legacy = str(RefreshToken.for_user(resident).access_token)
    with CaptureQueriesContext(connection) as with_session:
        assert me(api, session["access"]).status_code == 200
    with CaptureQueriesContext(connection) as without_session:
        assert me(api, legacy).status_code == 200
    assert len(with_session.captured_queries) == len(without_session.captured_queries)
    reading = [q["sql"] for q in with_session.captured_queries if "accounts_revokedsession" in q["sql"]]
    assert len(reading) == 1
    assert "accounts_user" in reading[0]  # the user and the revocation: one statement, one round trip


def test_purging_forgets_only_revocations_whose_tokens_have_all_expired(api, sign_in):
    phone, laptop = sign_in(), sign_in()
    logout(api, phone["refresh"])
    logout(api, laptop["refresh"])
    old = RevokedSession.objects.order_by("revoked_at").first()
    RevokedSession.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert revoked_sessions_purge.delay().get() == 1
    assert RevokedSession.objects.count() == 1 and not RevokedSession.objects.filter(pk=old.pk).exists()
    assert revoked_sessions_purge() == 0  # idempotent


def test_expired_refresh_tokens_are_flushed_daily_and_live_ones_kept(api, sign_in, settings):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    old, live = sign_in(), sign_in()
    logout(api, old["refresh"])  # blacklisted: its outstanding row and its blacklist row
    refresh = api.post("/api/v1/auth/refresh/", {"refresh": live["refresh"]}, format="json")
    assert refresh.status_code == 200  # rotated: the old refresh token blacklisted, a new one outstanding
    before = OutstandingToken.objects.count()
    assert before >= 3 and BlacklistedToken.objects.count() == 2
    expired = OutstandingToken.objects.filter(jti=RefreshToken(old["refresh"], verify=False)["jti"])
    expired.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert expired_tokens_flush.delay().get() == before - 1
    assert not expired.exists() and BlacklistedToken.objects.count() == 1  # its blacklist row went with it
    assert "flush-expired-tokens" in settings.CELERY_BEAT_SCHEDULE
    assert expired_tokens_flush() == before - 1  # idempotent


def test_a_revocation_lasts_as_long_as_any_token_of_the_session_can(api, sign_in, settings):
    phone = sign_in()
    before = timezone.now()
    logout(api, phone["refresh"])
    revoked = RevokedSession.objects.get()
    assert revoked.expires_at >= before + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]


def test_the_purge_runs_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.accounts.tasks.revoked_sessions_purge" in tasks
