"""The WSGI entry point keeps the server process's environment out of ``request.META``.

granian builds each request's environ from a copy of its process environment (as CGI does); the
portal's secrets are environment variables. ``portal.wsgi.without_process_environment`` removes them.
"""

from __future__ import annotations

import io
import os

import pytest

from portal.wsgi import CGI_KEYS, without_process_environment

STARTED_WITH = dict(os.environ)  # the process environment when portal.wsgi was loaded (a server's start)

PROCESS = {"DATABASE_URL": "postgres://portal:secret@db/portal", "SECRET_KEY": "s3cret", "PATH": "/usr/bin",
           "HTTP_PROXY": "http://proxy.internal:3128", "SERVER_NAME": "build-host"}


def _seen(environ: dict, process: dict = PROCESS) -> dict:
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("204 No Content", [])
        return [b""]

    without_process_environment(app, process)(environ, lambda status, headers: None)
    return seen


def _request(**extra) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "QUERY_STRING": "", "SERVER_NAME": "portal.example",
            "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "portal.example",
            "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "https", **extra}


def test_the_process_environment_copied_into_a_request_is_taken_out():
    seen = _seen({**PROCESS, **_request()})  # what granian hands the application
    assert not {"DATABASE_URL", "SECRET_KEY", "PATH", "HTTP_PROXY"} & seen.keys()
    assert seen["SERVER_NAME"] == "portal.example" and seen["HTTP_HOST"] == "portal.example"
    assert seen["PATH_INFO"] == "/healthz" and "wsgi.input" in seen


def test_a_request_header_named_like_a_process_variable_stays_when_it_is_the_requests_own():
    seen = _seen({**PROCESS, **_request(HTTP_PROXY="http://attacker.example")})  # a "Proxy:" header
    assert seen["HTTP_PROXY"] == "http://attacker.example"  # the request's, as Django would see it anyway
    assert "DATABASE_URL" not in seen


def test_a_cgi_variable_is_never_taken_out_even_when_the_process_has_it_with_the_same_value():
    seen = _seen({**PROCESS, **_request(SERVER_NAME="build-host")})
    assert seen["SERVER_NAME"] == "build-host"
    assert {"SERVER_NAME", "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "REMOTE_ADDR"} <= CGI_KEYS


def test_under_a_server_that_copies_nothing_the_environ_is_left_as_it_came():
    request = _request(REMOTE_ADDR="10.0.0.7")
    assert _seen(dict(request)) == request


@pytest.mark.django_db
def test_the_portals_application_sees_no_process_variable_in_request_meta(monkeypatch):
    """Through ``portal.wsgi.application``: an error page or report would print request.META."""
    from django.urls import path

    from portal import wsgi
    from portal.urls import urlpatterns

    seen = {}

    def meta_view(request):
        from django.http import HttpResponse

        seen.update(request.META)
        return HttpResponse(status=204)

    monkeypatch.setattr("portal.urls.urlpatterns", [path("meta-probe/", meta_view), *urlpatterns])
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        environ = {**STARTED_WITH, **_request(PATH_INFO="/meta-probe/", SERVER_PORT="80", HTTP_HOST="localhost"),
                   "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
                   "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}
        statuses = []
        wsgi.application(environ, lambda status, headers: statuses.append(status))
    finally:
        clear_url_caches()
    assert statuses == ["204 No Content"]
    leaked = {k for k, v in STARTED_WITH.items() if k not in CGI_KEYS and seen.get(k) == v}
    assert not leaked and "DJANGO_SETTINGS_MODULE" not in seen
