"""Fake of WeChat's ``GET /sns/jscode2session`` (auth.code2Session), as documented by WeChat:
checks appid/secret/grant_type, answers errcode 40029 for an unknown code, 40163 for a reused one,
-1 when told to be busy, and otherwise openid/session_key (+ unionid when bound)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from tests.fakes.server import FakeServer, QuietHandler


class _Handler(QuietHandler):
    def do_GET(self):
        fake: FakeWeChat = self.server.fake
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        fake.requests.append({"path": url.path, "query": query})
        if url.path != "/sns/jscode2session":
            return self.send_body(404, b"not found", "text/plain")
        if query.get("appid") != fake.appid or query.get("secret") != fake.secret:
            return self._json({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("grant_type") != "authorization_code":
            return self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
        if fake.busy:
            return self._json({"errcode": -1, "errmsg": "system error"})
        code = query.get("js_code", "")
        if code in fake.used:
            return self._json({"errcode": 40163, "errmsg": "code been used"})
        if code not in fake.codes:
            return self._json({"errcode": 40029, "errmsg": "invalid code"})
        fake.used.add(code)
        return self._json({"session_key": "fake-session-key==", **fake.codes[code]})

    def _json(self, data: dict):
        # WeChat answers this API with Content-Type text/plain.
        self.send_body(200, json.dumps(data).encode(), "text/plain")


class FakeWeChat(FakeServer):
    def __init__(self, appid: str, secret: str):
        super().__init__(_Handler)
        self.appid, self.secret = appid, secret
        self.codes: dict[str, dict] = {}
        self.used: set[str] = set()
        self.busy = False

    def issue(self, code: str, openid: str, unionid: str | None = None) -> str:
        self.codes[code] = {"openid": openid, **({"unionid": unionid} if unionid else {})}
        return code
