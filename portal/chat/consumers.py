"""WebSocket transport of the chat: ``/ws/chat/``, the same JSON objects as the REST endpoint.

- **Who**: a single-use ticket (``?ticket=`` from ``POST /api/v1/chat/ws-ticket/``, valid for
  ``CHAT_WS_TICKET_SECONDS``) or an ``Authorization: Bearer <access token>`` header (the
  mini-program's ``wx.connectSocket`` can send headers). A token in the URL is never accepted.
  No credentials → anonymous (personal intents answer with a login card); bad credentials, or a
  token or ticket of a session ended by logout → the handshake is refused (close 4401). Logout
  also closes (4401) the connections that session opened (``accounts.actions.session_revoke``).
- **From where** (see ``origin_allowed``): browsers always send ``Origin``, which must be one of
  ``CHAT_WS_ALLOWED_ORIGINS`` or this site itself (Origin host = Host header). WeChat
  mini-programs and Alipay mini-programs connect natively:
  no ``Origin``, and a fixed ``Referer`` (``https://servicewechat.com/{appid}/{version}/page-frame.html``,
  ``https://{appid}.hybrid.alipay-eco.com/…``) whose app id must be ours.
- **Limits**: frames larger than ``CHAT_WS_MAX_BYTES`` are refused (error frame, close 1009);
  more than ``CHAT_WS_RATE`` messages per ``CHAT_WS_RATE_SECONDS`` get a ``rate_limited`` error
  frame. A bad frame gets an error frame and the connection stays open.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts.actions import session_group
from portal.chat.actions import chat_reply, ws_ticket_redeem
from portal.chat.models import Channel
from portal.core.errors import PortalError, error_body
from portal.core.ws import header, in_language, language_of

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_TOO_BIG = 1009


def origin_allowed(scope: dict) -> bool:
    origin = header(scope, b"origin")
    if origin:
        if origin.rstrip("/") in {o.rstrip("/") for o in settings.CHAT_WS_ALLOWED_ORIGINS}:
            return True
        # A page served by this very site (same scheme-less host and port) is ours.
        host = header(scope, b"host")
        return bool(host) and urlsplit(origin).netloc.lower() == host.lower()
    referer = header(scope, b"referer")
    if referer:
        parts = urlsplit(referer)
        host = (parts.hostname or "").lower()
        if host == "servicewechat.com":
            appid = parts.path.strip("/").split("/")[0]
            return appid in settings.CHAT_WS_WECHAT_APPIDS
        if host.endswith(".hybrid.alipay-eco.com"):
            return host.split(".", 1)[0] in settings.CHAT_WS_ALIPAY_APPIDS
    # No Origin: not a browser page (browsers always send one on a WebSocket handshake), so not a
    # cross-site attempt; such clients still need a ticket or a token to act as a resident.
    return settings.CHAT_WS_ALLOW_NO_ORIGIN


@database_sync_to_async
def _user_from_token(raw: str):
    """(user, session id) of a valid access token, by the API's own bearer check (a token whose
    session logged out is refused there); None otherwise."""
    from rest_framework.exceptions import AuthenticationFailed

    from portal.accounts.authentication import BearerAuthentication
    from portal.accounts.tokens import session_of

    authentication = BearerAuthentication()
    try:
        token = authentication.get_validated_token(raw)
        return authentication.get_user(token), session_of(token)
    except AuthenticationFailed:  # simplejwt's InvalidToken too
        return None


class ChatConsumer(AsyncJsonWebsocketConsumer):
    channel_name_default = Channel.WEB

    async def connect(self) -> None:
        self.language = language_of(self.scope)  # of every error frame on this connection
        if not origin_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        if "token" in query or "access" in query:
            await self.close(code=CLOSE_UNAUTHORIZED)  # long-lived tokens never travel in URLs
            return
        signed_in: tuple | None = (AnonymousUser(), "")
        ticket = (query.get("ticket") or [""])[0]
        authorization = header(self.scope, b"authorization") or ""
        if ticket:
            signed_in = await sync_to_async(ws_ticket_redeem, thread_sensitive=True)(ticket=ticket)
        elif authorization:
            scheme, _, raw = authorization.partition(" ")
            signed_in = await _user_from_token(raw.strip()) if scheme.lower() == "bearer" else None
        if signed_in is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user, self.signed_session = signed_in
        if self.signed_session:  # logout of that session closes this connection (session_revoked)
            await self.channel_layer.group_add(session_group(self.signed_session), self.channel_name)
        self.session_id: str | None = None
        self.client_channel = (query.get("channel") or [Channel.WEB])[0]
        if self.client_channel not in Channel.values:
            self.client_channel = Channel.WEB
        self.recent: deque[float] = deque()
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        size = len(text_data.encode("utf-8")) if text_data is not None else len(bytes_data or b"")
        if size > settings.CHAT_WS_MAX_BYTES:
            limit = settings.CHAT_WS_MAX_BYTES
            await self._error("too_large", format_lazy(_("消息太大了（上限 {limit} 字节）。"), limit=limit))
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self._within_rate():
            await self._error("rate_limited", _("发送太频繁了，请稍后再试。"))
            return
        if text_data is None:
            await self._error("invalid", _("请发送 JSON 文本消息。"))
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to decode
            await self._error("parse_error", _("消息不是有效的 JSON，请检查后再试。"))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("text"), str):
            await self._error("invalid", _("请用 {\"text\": \"…\"} 的格式发送消息。"), fields={"text": [_("必填。")]})
            return
        session = content.get("session") or self.session_id
        if session is not None and not isinstance(session, str):
            await self._error("invalid", _("session 应为字符串。"), fields={"session": [_("应为字符串。")]})
            return
        channel = content.get("channel") if content.get("channel") in Channel.values else self.client_channel
        try:
            payload = await database_sync_to_async(chat_reply)(text=content["text"], user=self.user,
                                                               session_id=session, channel=channel,
                                                               language=self.language)
        except PortalError as exc:
            await self._error(exc.code, exc.message, fields=exc.fields)
            return
        except Exception:  # never drop the resident's connection over one message
            logger.exception("chat message failed on the WebSocket")
            await self._error("server_error", _("服务暂时出了点问题，请稍后再试。"))
            return
        self.session_id = payload["session"]
        await self.send_json(payload)

    async def session_revoked(self, event: dict) -> None:
        """The session this connection signed in with logged out: it ends here too."""
        await self.close(code=CLOSE_UNAUTHORIZED)

    async def disconnect(self, code) -> None:
        if getattr(self, "signed_session", ""):
            await self.channel_layer.group_discard(session_group(self.signed_session), self.channel_name)

    def _within_rate(self) -> bool:
        now = time.monotonic()
        window = settings.CHAT_WS_RATE_SECONDS
        while self.recent and now - self.recent[0] > window:
            self.recent.popleft()
        if len(self.recent) >= settings.CHAT_WS_RATE:
            return False
        self.recent.append(now)
        return True

    async def _error(self, code: str, message, fields: dict | None = None) -> None:
        """An error frame, its sentences in the language of the handshake."""
        fields = {name: [in_language(self.language, m) for m in messages] for name, messages in (fields or {}).items()}
        await self.send_json(error_body(code, in_language(self.language, message), fields or None))
