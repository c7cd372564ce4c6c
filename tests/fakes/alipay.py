"""Fake of Alipay's open-API gateway for ``alipay.system.oauth.token``.

Speaks the real protocol: common parameters in the query string, business parameters in the
form body; the request's RSA2 (SHA256withRSA) signature over the sorted ``k=v`` pairs is checked
with the app's public key; the answer is signed with the gateway's own key, as Alipay signs.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.server import FakeServer, QuietHandler


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem_pkcs1(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class _Handler(QuietHandler):
    def do_POST(self):
        fake: FakeAlipay = self.server.fake
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        params.update({k: v[0] for k, v in parse_qs(body).items()})
        fake.requests.append(params)
        method_key = params.get("method", "").replace(".", "_") + "_response"

        if params.get("app_id") != fake.app_id:
            return self._error("error_response", "40002", "isv.invalid-app-id")
        if params.get("sign_type") != "RSA2" or not self._signature_ok(params, fake):
            return self._error("error_response", "40002", "isv.invalid-signature")
        if params.get("method") != "alipay.system.oauth.token" or params.get("grant_type") != "authorization_code":
            return self._error(method_key, "40002", "isv.invalid-arguments")
        user = fake.codes.pop(params.get("code", ""), None)
        if user is None:
            return self._error(method_key, "40002", "isv.code-invalid")
        return self._signed(method_key, {
            "access_token": "authusrB" + params["code"], "auth_start": "2026-11-24 10:00:00",
            "expires_in": 1296000, "re_expires_in": 2592000, "refresh_token": "authusrR" + params["code"],
            **user,
        })

    @staticmethod
    def _signature_ok(params: dict, fake: FakeAlipay) -> bool:
        sign = params.get("sign", "")
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")
        try:
            fake.app_public_key.verify(base64.b64decode(sign), content.encode("utf-8"),
                                       padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True

    def _error(self, key: str, code: str, sub_code: str):
        return self._signed(key, {"code": code, "msg": "Invalid Arguments", "sub_code": sub_code,
                                  "sub_msg": sub_code})

    def _signed(self, key: str, payload: dict):
        fake: FakeAlipay = self.server.fake
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        signature = fake.gateway_key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        if fake.tamper_responses:
            content = content.replace("2088", "2099")
        body = f'{{"{key}":{content},"sign":"{base64.b64encode(signature).decode()}"}}'
        self.send_body(200, body.encode("utf-8"), "text/html;charset=utf-8")


class FakeAlipay(FakeServer):
    def __init__(self, app_id: str, app_public_pem: str):
        super().__init__(_Handler)
        self.app_id = app_id
        self.app_public_key = serialization.load_pem_public_key(app_public_pem.encode())
        self.gateway_key = new_key()
        self.codes: dict[str, dict] = {}
        self.tamper_responses = False

    @property
    def gateway_public_pem(self) -> str:
        return public_pem(self.gateway_key)

    def issue(self, code: str, **user: str) -> str:
        self.codes[code] = user
        return code
