"""Alipay login: ``alipay.system.oauth.token`` at ALIPAY_GATEWAY.

The open-API protocol is small: form-encoded parameters signed RSA2 (SHA256withRSA over the
sorted ``k=v`` pairs), and a JSON answer whose ``<method>_response`` text is signed by Alipay. It
is written here on ``cryptography`` and httpx because Alipay's own Python SDK (alipay-sdk-python
3.7) cannot reach a gateway on a non-default port (``WebUtils.get_http_connection`` drops it, then
fails concatenating it), which rules out the local fake in tests and an egress proxy in
production; python-alipay-sdk covers payments, not this call.

Newer Alipay apps return ``open_id`` instead of ``user_id``; both are handled.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.core.errors import PortalError, UpstreamUnavailable

logger = logging.getLogger(__name__)
METHOD = "alipay.system.oauth.token"


class InvalidAuthCode(PortalError):
    status_code = 400
    code = "invalid_code"
    message = _("支付宝授权已失效，请重新授权后再试。")


@dataclass(frozen=True)
class AlipayUser:
    open_id: str
    user_id: str
    union_id: str

    @property
    def subject(self) -> str:
        return self.open_id or self.user_id


def _pem(key: str, kind: str) -> bytes:
    """Accept a full PEM, or the bare base64 body Alipay's console hands out."""
    key = key.strip()
    if not key.startswith("-----"):
        body = "\n".join(key[i:i + 64] for i in range(0, len(key), 64))
        key = f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"
    return key.encode()


def sign_content(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v not in ("", None))


def _sign(params: dict[str, str]) -> str:
    pem = _pem(settings.ALIPAY_APP_PRIVATE_KEY, "RSA PRIVATE KEY")
    key = serialization.load_pem_private_key(pem, password=None)
    signature = key.sign(sign_content(params).encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


_RESPONSE_START = re.compile(r'"(?P<key>[a-z_]+_response)"\s*:\s*(?=\{)')
_SIGN_START = re.compile(r'\}\s*,\s*"sign"\s*:\s*"')


def _verified_payload(text: str) -> dict:
    """The ``*_response`` object, only if Alipay's signature over its exact text verifies."""
    start = _RESPONSE_START.search(text)
    ends = list(_SIGN_START.finditer(text))
    if not start or not ends:
        raise ValueError("unexpected Alipay answer shape")
    content = text[start.end(): ends[-1].start() + 1]
    signature = json.loads(text)["sign"]
    public_key = serialization.load_pem_public_key(_pem(settings.ALIPAY_PUBLIC_KEY, "PUBLIC KEY"))
    try:
        public_key.verify(base64.b64decode(signature), content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise ValueError("Alipay answer signature does not verify") from exc
    return json.loads(content)


_INVALID_CODE = {"isv.code-invalid", "isv.invalid-auth-code", "isv.auth-code-expired"}


def oauth_token(auth_code: str) -> AlipayUser:
    if not settings.ALIPAY_APP_PRIVATE_KEY or not settings.ALIPAY_PUBLIC_KEY:
        raise UpstreamUnavailable(code="alipay_not_configured", message=_("支付宝登录尚未开通，请换一种登录方式。"))
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    common = {
        "app_id": settings.ALIPAY_APP_ID, "method": METHOD, "format": "JSON", "charset": "utf-8",
        "sign_type": "RSA2", "timestamp": now.strftime("%Y-%m-%d %H:%M:%S"), "version": "1.0",
    }
    business = {"grant_type": "authorization_code", "code": auth_code}
    common["sign"] = _sign({**common, **business})
    try:
        response = httpx.post(settings.ALIPAY_GATEWAY, params=common, data=business,
                              timeout=settings.ALIPAY_TIMEOUT)
        response.raise_for_status()
        payload = _verified_payload(response.text)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        # Unreachable, or an answer that is not Alipay's (never trusted).
        logger.warning("alipay oauth token failed: %s", exc.__class__.__name__)
        raise UpstreamUnavailable(headers={"Retry-After": "5"})
    if payload.get("sub_code") or (payload.get("code") and payload.get("code") != "10000"):
        if payload.get("sub_code") in _INVALID_CODE:
            raise InvalidAuthCode()
        logger.warning("alipay oauth token refused: code=%s sub_code=%s", payload.get("code"), payload.get("sub_code"))
        raise UpstreamUnavailable(code="upstream_error", message=_("支付宝登录暂时不可用，请稍后再试。"),
                                  headers={"Retry-After": "10"})
    user = AlipayUser(open_id=payload.get("open_id", ""), user_id=payload.get("user_id", ""),
                      union_id=payload.get("union_id", ""))
    if not user.subject:
        raise UpstreamUnavailable(code="upstream_error", message=_("支付宝登录暂时不可用，请稍后再试。"))
    return user
