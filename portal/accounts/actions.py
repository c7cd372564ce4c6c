"""Account use cases. Each changes state in one transaction and returns the model."""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.tokens import RefreshToken

from portal.accounts import idcard
from portal.accounts.models import Identity, RevokedSession, User
from portal.accounts.tokens import session_of
from portal.connectors.sms import get_backend as get_sms_backend
from portal.core import crypto
from portal.core.errors import Conflict, PortalError
from portal.masking import mask_id_number

ID_INDEX_PURPOSE = "id_number"
PHONE_INDEX_PURPOSE = "phone"


class InvalidIdNumber(PortalError):
    code = "invalid_id_number"
    message = _("身份证号码不正确，请核对后重新输入。")


class IdNumberTaken(Conflict):
    code = "id_number_taken"
    message = _("这个身份证号已绑定在另一个账号上。如有疑问请联系客服。")


class RealnameMismatch(Conflict):
    code = "realname_mismatch"
    message = _("您的账号已实名认证，不能改绑为其他身份。")


def _new_username(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(idcard.normalize(id_number), purpose=ID_INDEX_PURPOSE)


def phone_index(phone: str) -> str:
    """The keyed blind index of a mobile number (``normalize_phone``'s form), by which a resident
    is found and kept unique; the number itself is stored encrypted (``User.phone``)."""
    return crypto.blind_index(normalize_phone(phone), purpose=PHONE_INDEX_PURPOSE)


def user_by_phone(*, phone: str) -> User | None:
    return User.objects.filter(phone_index=phone_index(phone)).first()


def resident_for_identity(*, provider: str, subject: str, app_id: str = "", union_id: str = "",
                          extra: dict | None = None, display_name: str = "") -> User:
    """The resident behind an external identity, created on first sign-in.

    The same (provider, app_id, subject) always maps to the same resident; a known WeChat
    ``unionid`` links a new app's openid to the resident who already has it. Safe under
    concurrent first logins: the unique constraint arbitrates and the loser reads the winner.
    """
    now = timezone.now()
    existing = (
        Identity.objects.select_related("user").filter(provider=provider, app_id=app_id, subject=subject).first()
    )
    if existing:
        changes = {"last_login_at": now, **({"union_id": union_id} if union_id else {})}
        Identity.objects.filter(pk=existing.pk).update(**changes)
        return existing.user
    try:
        with transaction.atomic():
            user = None
            if union_id:
                linked = Identity.objects.select_related("user").filter(union_id=union_id).first()
                user = linked.user if linked else None
            if user is None:
                user = User.objects.create(username=_new_username("r"), kind=User.Kind.RESIDENT,
                                           display_name=display_name)
                user.set_unusable_password()
                user.save(update_fields=["password"])
            Identity.objects.create(user=user, provider=provider, app_id=app_id, subject=subject,
                                    union_id=union_id, extra=extra or {}, last_login_at=now)
            return user
    except IntegrityError:
        return Identity.objects.select_related("user").get(provider=provider, app_id=app_id, subject=subject).user


def resident_for_phone(*, phone: str, display_name: str = "") -> User:
    """The resident who owns this (verified) phone number, created on first sign-in. Found through
    the number's blind index; the number is stored encrypted, the phone identity holds the index."""
    phone = normalize_phone(phone)
    index = phone_index(phone)
    user = User.objects.filter(phone_index=index).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create(username=_new_username("r"), kind=User.Kind.RESIDENT,
                                           phone=phone, phone_index=index, display_name=display_name)
                user.set_unusable_password()
                user.save(update_fields=["password"])
        except IntegrityError:
            user = User.objects.get(phone_index=index)
    Identity.objects.get_or_create(provider=Identity.Provider.PHONE, app_id="", subject=index,
                                   defaults={"user": user})
    return user


def realname_bind(*, user: User, name: str, id_number: str) -> User:
    """Real-name binding (实名认证): validate the GB 11643 check digit, store the number encrypted
    plus a keyed blind index, and the masked form for display. Idempotent for the same person."""
    name = (name or "").strip()
    number = idcard.normalize(id_number)
    if not idcard.is_valid(number):
        raise InvalidIdNumber(fields={"id_number": [str(InvalidIdNumber.message)]})
    if not (1 <= len(name) <= 32):
        raise PortalError(_("请填写与身份证一致的姓名。"), code="invalid_name",
                          fields={"name": [str(_("请填写与身份证一致的姓名。"))]})
    index = id_number_index(number)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_realname_verified:
            if locked.id_number_index == index and locked.real_name == name:
                return locked
            raise RealnameMismatch()
        if User.objects.filter(id_number_index=index).exclude(pk=locked.pk).exists():
            raise IdNumberTaken()
        locked.real_name = name
        locked.id_number = number
        locked.id_number_index = index
        locked.id_number_masked = mask_id_number(number)
        locked.realname_verified_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["real_name", "id_number", "id_number_index", "id_number_masked",
                                           "realname_verified_at"])
        except IntegrityError:
            raise IdNumberTaken()
    return locked


def resident_by_id_number(*, id_number: str) -> User | None:
    return User.objects.filter(id_number_index=id_number_index(id_number)).first()


def staff_ensure(*, username: str, password: str, display_name: str, role: str, superuser: bool = False) -> User:
    """Create a staff account in a role if it does not exist (demo data, first admin)."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"kind": User.Kind.STAFF, "display_name": display_name, "is_staff": True,
                      "is_superuser": superuser},
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


# --- Sessions (logout) ---------------------------------------------------------------------------


def session_group(sid: str) -> str:
    """The channel-layer group of the WebSocket connections a session opened."""
    return f"session.{sid}"


def session_revoke(*, refresh: str) -> str:
    """Log out: end the session of this refresh token — its refresh tokens and every access token
    minted from them are refused from now on, the WebSocket connections it opened are closed — while
    the resident's other sessions go on. Returns the session id ("" when there is nothing to end).

    A signed, unexpired refresh token already blacklisted (rotated, or logged out before) still
    names its session: logging out with it ends the session, whose newest refresh token may be in
    other hands. The revocation is kept as long as any token of the session can be valid: every
    token minted until now expires within ``REFRESH_TOKEN_LIFETIME`` (access tokens sooner).
    """
    try:
        token = RefreshToken(refresh)
    except TokenError:  # blacklisted, expired, forged or not a token
        token = None
        try:
            payload = token_backend.decode(refresh, verify=True)
        except TokenBackendError:
            return ""  # expired or not ours: nothing left to end
        if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
            return ""
    else:
        payload = token.payload
    sid = session_of(payload)
    user_id = str(payload.get(jwt_settings.USER_ID_CLAIM) or "")
    with transaction.atomic():
        if token is not None:
            token.blacklist()
        if not sid or not user_id.isdigit():
            return ""  # a token from before sessions: blacklisting it is all there is to do
        RevokedSession.objects.update_or_create(
            sid=sid, defaults={"user_id": int(user_id),
                               "expires_at": timezone.now() + jwt_settings.REFRESH_TOKEN_LIFETIME})
        transaction.on_commit(lambda: _close_session_sockets(sid))
    return sid


def _close_session_sockets(sid: str) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(session_group(sid), {"type": "session.revoked"})


def session_revoked(*, sid: str) -> bool:
    """Whether logout ended this session (for the rare reads outside the bearer statement)."""
    return bool(sid) and RevokedSession.objects.filter(sid=sid).exists()


def revoked_sessions_purge() -> int:
    """Forget revocations whose tokens have all expired (idempotent)."""
    deleted, _ = RevokedSession.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


# --- SMS codes (web login) ----------------------------------------------------------------------
# Codes live in the cache (Redis when configured): a keyed hash of the code, an attempt counter
# incremented atomically, and a resend cool-down. They expire after SMS_CODE_TTL_SECONDS.

PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: \d takes every script's
SMS_RESEND_SECONDS = 60


class InvalidPhone(PortalError):
    code = "invalid_phone"
    message = _("请输入正确的 11 位手机号码。")


class SmsCooldown(PortalError):
    status_code = 429
    code = "sms_cooldown"
    message = _("验证码已发送，请 1 分钟后再重新获取。")


class SmsCodeInvalid(PortalError):
    code = "invalid_sms_code"
    message = _("验证码不正确，请检查后重新输入。")


class SmsCodeExpired(PortalError):
    code = "sms_code_expired"
    message = _("验证码已失效，请重新获取。")


def normalize_phone(phone: str) -> str:
    phone = unicodedata.normalize("NFKC", phone or "").replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if not PHONE_RE.match(phone):
        raise InvalidPhone(fields={"phone": [str(InvalidPhone.message)]})
    return phone


def _sms_keys(phone: str) -> tuple[str, str, str]:
    return f"sms:code:{phone}", f"sms:attempts:{phone}", f"sms:cooldown:{phone}"


def _code_digest(phone: str, code: str) -> str:
    return crypto.blind_index(f"{phone}:{code}", purpose="sms_code")


def sms_code_send(*, phone: str) -> int:
    """Send a 6-digit login code; returns its lifetime in seconds."""
    phone = normalize_phone(phone)
    code_key, attempts_key, cooldown_key = _sms_keys(phone)
    if not cache.add(cooldown_key, 1, SMS_RESEND_SECONDS):
        raise SmsCooldown(headers={"Retry-After": str(SMS_RESEND_SECONDS)})
    ttl = settings.SMS_CODE_TTL_SECONDS
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(code_key, _code_digest(phone, code), ttl)
    cache.set(attempts_key, 0, ttl)
    get_sms_backend().send(phone, f"【市民服务】您的登录验证码是 {code}，{ttl // 60} 分钟内有效。请勿告诉他人。")
    return ttl


def sms_code_check(*, phone: str, code: str) -> str:
    """Consume a correct code (single use); a few wrong tries burn it. Returns the phone."""
    phone = normalize_phone(phone)
    code_key, attempts_key, _cooldown = _sms_keys(phone)
    try:
        attempts = cache.incr(attempts_key)
    except ValueError:  # no counter: never sent or expired
        raise SmsCodeExpired()
    expected = cache.get(code_key)
    if expected is None or attempts > settings.SMS_CODE_MAX_ATTEMPTS:
        cache.delete_many([code_key, attempts_key])
        raise SmsCodeExpired()
    if not hmac.compare_digest(expected, _code_digest(phone, (code or "").strip())):
        raise SmsCodeInvalid(fields={"code": [str(SmsCodeInvalid.message)]})
    cache.delete_many([code_key, attempts_key])
    return phone
