"""Bad input to every API route is a 4xx in the contract's JSON error form (DESIGN §4), never a 500
or an HTML page: the URL conf is walked, each route gets malformed, oversized and non-UTF-8 bodies,
wrong content types, NUL bytes, negative and huge ids and unknown query parameters, with DEBUG off,
anonymously and as the platform administrator (who passes every permission check)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from portal.accounts import actions

pytestmark = pytest.mark.django_db


def _api_routes() -> list[str]:
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.append(prefix + str(p.pattern))

    walk(get_resolver().url_patterns, "")
    return sorted({r for r in routes if r.startswith("api/v1/") and "<path:" not in r})


def _fill(route: str, value: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route).lstrip("^").rstrip("$")


BODIES = [
    ("application/json", b'{"slot": '),                       # malformed JSON
    ("application/json", b'[1, 2, 3]'),                       # JSON, not an object
    ("application/json", b'"text"'),
    ("application/json", b'{"text": "\\u0000", "slot": "\\u0000", "name": "\\u0000"}'),  # NUL bytes
    ("application/json", b'\xff\xfe\x00{bad'),                # not UTF-8
    ("application/json", b'{"slot": 99999999999999999999999, "id_number": 1e999}'),
    ("application/json", b'{"slot": -1, "party_size": -5, "venue": -1}'),
    ("text/plain", b"hello"),                                  # wrong content type
    ("application/x-www-form-urlencoded", b"slot=%ff%fe&text=%00"),
    ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
    ("application/xml", b"<a/>"),
]
IDS = ["0", "99999999999999999999", "2147483648"]
QUERY = "?page=-1&page_size=99999999&date=2026-13-45&ordering=%00&near=nan,inf&radius_m=-1&x=%ff&status=%00"


def _check(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
        assert "code" in response.json()["error"] and "message" in response.json()["error"], what
    assert b"Traceback" not in response.content, what


@pytest.fixture(params=["anonymous", "administrator"])
def caller(request, client):
    if request.param == "administrator":
        from rest_framework_simplejwt.tokens import RefreshToken

        root = actions.staff_ensure(username="root-hygiene", password="x-long-password-1", display_name="管理员",
                                    role="admin", superuser=True)
        return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(root).access_token}"}
    return {}


@pytest.mark.parametrize("route", _api_routes())
def test_bad_input_to_every_api_route_is_a_json_4xx(route, caller, client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    for ident in IDS:
        url = _fill(route, ident)
        _check(client.get(url + QUERY, **caller), f"GET {url}{QUERY}")
        for content_type, body in BODIES:
            response = client.generic("POST", url, body, content_type=content_type, **caller)
            _check(response, f"POST {url} {content_type} {body[:40]!r}")
        for method in ("PUT", "PATCH", "DELETE"):
            _check(client.generic(method, url, b"{", content_type="application/json", **caller), f"{method} {url}")
        big = b'{"text": "' + b"a" * 3_000_000 + b'"}'
        _check(client.generic("POST", url, big, content_type="application/json", **caller), f"POST {url} 3 MB")
