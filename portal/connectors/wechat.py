"""WeChat mini-program login: ``auth.code2Session`` (GET {WECHAT_API_BASE}/sns/jscode2session).

Written on httpx rather than wechatpy: wechatpy's mini-program client fixes the API host, and this
one call is all the login needs; WECHAT_API_BASE points tests at a local fake speaking the real
protocol. Error codes are WeChat's documented ones.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.core.errors import PortalError, UpstreamUnavailable

logger = logging.getLogger(__name__)


class InvalidCode(PortalError):
    status_code = 400
    code = "invalid_code"
    message = _("登录凭证无效或已过期，请重新打开小程序再试。")


class WeChatRefused(PortalError):
    status_code = 403
    code = "wechat_refused"
    message = _("微信拒绝了这次登录，请稍后再试或换一种登录方式。")


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str
    session_key: str


_INVALID_CODE = {40029, 40163}  # invalid code; code already used
_RETRYABLE = {-1, 45011}  # system busy; API frequency limit


def code2session(code: str) -> WeChatSession:
    params = {
        "appid": settings.WECHAT_MINI_APPID,
        "secret": settings.WECHAT_MINI_SECRET,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    url = settings.WECHAT_API_BASE.rstrip("/") + "/sns/jscode2session"
    try:
        response = httpx.get(url, params=params, timeout=settings.WECHAT_TIMEOUT)
    except httpx.HTTPError as exc:
        logger.warning("wechat jscode2session unreachable: %s", exc.__class__.__name__)
        raise UpstreamUnavailable(headers={"Retry-After": "5"})
    if response.status_code >= 500:
        raise UpstreamUnavailable(headers={"Retry-After": "5"})
    try:
        data = json.loads(response.text)  # WeChat may answer text/plain
    except ValueError:
        logger.warning("wechat jscode2session answered non-JSON (HTTP %s)", response.status_code)
        raise UpstreamUnavailable(headers={"Retry-After": "5"})

    errcode = int(data.get("errcode") or 0)
    if errcode in _INVALID_CODE:
        raise InvalidCode()
    if errcode in _RETRYABLE:
        raise UpstreamUnavailable(headers={"Retry-After": "3"})
    if errcode == 40226:  # high-risk user
        raise WeChatRefused()
    if errcode or not data.get("openid"):
        logger.warning("wechat jscode2session errcode=%s", errcode)
        raise UpstreamUnavailable(code="upstream_error", message=_("微信登录暂时不可用，请稍后再试。"),
                                  headers={"Retry-After": "10"})
    return WeChatSession(openid=data["openid"], unionid=data.get("unionid", ""),
                         session_key=data.get("session_key", ""))
