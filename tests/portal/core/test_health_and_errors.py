import json

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


def test_unknown_url_is_a_json_404_in_the_contract_shape(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["components"]["schemas"]["Error"]["required"] == ["error"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_errors_speak_english_when_asked(client):
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "We could not find what you are looking for."


def test_errors_default_to_chinese(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.json()["error"]["message"] == "没有找到您要的内容。"


def test_malformed_json_is_a_400_parse_error_not_a_500(client):
    response = client.post("/api/v1/auth/staff/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_validation_errors_in_english_name_the_field(client):
    response = client.post("/api/v1/auth/wechat/", data={}, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["message"].startswith("Please check what you entered")
    assert body["fields"]["code"] == ["This field is required."]


@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000])
def test_json_nested_too_deep_is_a_400_parse_error_not_a_500(client, nesting):
    response = client.post("/api/v1/auth/staff/", data='{"username": ' + nesting + "}",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize("url", ["/api/v1/venues/99999999999999999999/slots/",
                                 "/api/v1/venues/9223372036854775808/",
                                 "/api/v1/services/items/99999999999999999999/",
                                 "/api/v1/venues/1/slots/99999999999999999999/block/"])
def test_an_id_beyond_any_row_in_the_path_is_a_json_404(client, url):
    response = client.get(url) if "block" not in url else client.post(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"].endswith("not_found")


@pytest.mark.parametrize("url", ["/api/v1/chat/sessions/a%00b/messages/", "/api/v1/services/applications/a%00b/",
                                 "/api/v1/services/applications/%E5%8A%9E/"])
def test_a_key_in_the_path_that_no_row_can_have_is_a_json_404(client, url):
    response = client.get(url)  # PostgreSQL refuses NUL in text: a 500 if the lookup were tried
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("url", ["/api/v1/venues/99999999999999999999/", "/api/v1/no-such-thing/",
                                 "/api/v1/services/items/-1/"])
def test_an_api_path_no_route_matches_is_a_json_404_even_in_debug(client, settings, url):
    settings.DEBUG = True  # Django's debug 404 is an HTML page listing every route
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_an_api_path_without_its_trailing_slash_still_redirects(client):
    assert client.get("/api/v1/venues").status_code == 301


@pytest.mark.parametrize("debug", [False, True])
def test_an_api_write_without_its_trailing_slash_is_a_json_404_naming_the_address(client, settings, debug):
    settings.DEBUG = debug  # a 301 turned the POST into a GET; under DEBUG Django raised a RuntimeError
    response = client.post("/api/v1/chat/messages", {"text": "你好"}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/v1/chat/messages/" in response.json()["error"]["message"]
    assert client.post("/api/v1/no-such-thing", {}, content_type="application/json").status_code == 404
    english = client.post("/api/v1/chat/messages", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == (
        "This address is missing its final “/”: use /api/v1/chat/messages/ instead.")


@pytest.mark.parametrize("url", ["/api/v1/auth/staff/", "/api/v1/chat/messages/"])
def test_a_body_over_the_upload_limit_is_a_413_not_a_500(client, settings, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(url, data='{"username": "' + "x" * 2000 + '"}', content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_too_many_query_parameters_is_a_400_not_a_500(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.get("/api/v1/venues/?" + "&".join(f"a{i}=1" for i in range(20)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_json_null_body_is_no_data_and_the_answer_names_the_missing_fields_in_chinese(client):
    response = client.post("/api/v1/auth/staff/", data="null", content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"username", "password"}
    assert "No data" not in error["message"]  # DRF's own sentence for it is English only


def test_a_nul_character_in_a_field_is_refused_in_chinese_by_default(client):
    """DRF ships no Chinese for this one: locale/zh_Hans supplies it."""
    response = client.post("/api/v1/auth/staff/", {"username": "a\u0000b", "password": "x"},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["username"] == ["不能包含空字符（NUL）。"]


@pytest.mark.parametrize("address", ["", "unix:/run/portal.sock", None])
def test_a_request_without_a_client_address_is_rate_limited_not_failed(client, settings, address, caplog):
    """Behind a proxy on a Unix socket the server may give no client address: django-ratelimit
    alone raised ImproperlyConfigured (a 500 on every login and chat message)."""
    extra = {} if address is None else {"REMOTE_ADDR": address}
    if address is None:
        extra["REMOTE_ADDR"] = ""
        settings.RATELIMIT_CLIENT_META_KEY = "HTTP_X_REAL_IP"  # a header this request does not have
    response = client.post("/api/v1/auth/staff/", {"username": "nobody", "password": "wrong-password"},
                           content_type="application/json", **extra)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"]


def test_the_rate_limit_counts_the_client_named_by_the_proxy_header(rf, settings):
    from portal.core.client import SHARED, client_address

    settings.RATELIMIT_CLIENT_META_KEY = "HTTP_X_FORWARDED_FOR"
    # The proxy appends the address it saw; what came before is the client's own say-so.
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR="2001:db8::1")) == "2001:db8::1"
    assert client_address(rf.get("/")) == SHARED  # none: one shared bucket


def test_a_post_to_an_address_no_route_matches_is_the_json_404_not_a_csrf_page(client):
    response = client.post("/api/v1/bookings/abc/cancel/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_csrf_failure_under_the_api_is_the_contract_403_and_the_admin_keeps_djangos_page():
    from django.test import Client, RequestFactory

    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/nowhere/")  # no route, no CSRF token: still the JSON 404
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")

    from portal.core.errors import csrf_failure  # CSRF_FAILURE_VIEW, for an API view that is not exempt

    response = csrf_failure(RequestFactory().post("/api/v1/somewhere/"))
    assert response.status_code == 403 and json.loads(response.content)["error"]["code"] == "csrf_failed"
