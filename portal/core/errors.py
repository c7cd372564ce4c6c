"""The contract's error body, everywhere: ``{"error": {"code", "message", "fields"}}``.

Domain code raises :class:`PortalError` subclasses (``code`` + a sentence a resident can read);
DRF's own exceptions are mapped to the same body; anything unexpected becomes a 500 with a polite
sentence and the traceback goes to the server log only.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("portal.errors")


class PortalError(Exception):
    """A refusal a resident should understand. Subclass with a ``code``, ``message`` and ``status``."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "bad_request"
    message: Any = _("请求有误，请检查后再试。")

    def __init__(self, message: Any = None, *, code: str | None = None, status_code: int | None = None,
                 fields: dict | None = None, headers: dict | None = None, extra: dict | None = None):
        self.message = message if message is not None else self.message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.fields = fields
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(str(self.message))


class Conflict(PortalError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    message = _("操作与当前状态冲突，请刷新后再试。")


class NotFound(PortalError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    message = _("没有找到您要的内容。")


class Forbidden(PortalError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"
    message = _("您没有权限进行这个操作。")


class UpstreamUnavailable(PortalError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "upstream_busy"
    message = _("外部平台繁忙，请稍后再试。")


# Sentences for DRF's own exceptions: DRF's default texts are developer English.
_DRF_MESSAGES: dict[type, tuple[str, Any]] = {
    drf.ParseError: ("parse_error", _("请求内容不是有效的 JSON，请检查后再试。")),
    drf.NotAuthenticated: ("not_authenticated", _("请先登录。")),
    drf.AuthenticationFailed: ("authentication_failed", _("登录已失效，请重新登录。")),
    drf.PermissionDenied: ("forbidden", _("您没有权限进行这个操作。")),
    drf.NotFound: ("not_found", _("没有找到您要的内容。")),
    drf.MethodNotAllowed: ("method_not_allowed", _("不支持这种请求方式。")),
    drf.NotAcceptable: ("not_acceptable", _("无法按要求的格式返回内容。")),
    drf.UnsupportedMediaType: ("unsupported_media_type", _("请以 JSON 格式提交内容。")),
    drf.Throttled: ("rate_limited", _("操作太频繁了，请稍后再试。")),
}


def error_body(code: str, message: Any, fields: dict | None = None, **extra: Any) -> dict:
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}


def _flatten_fields(detail: Any) -> dict:
    """DRF validation detail → ``{"field": ["sentence", ...]}`` (nested paths joined with dots)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and value and not all(isinstance(v, (str, drf.ErrorDetail)) for v in value):
            for i, sub in enumerate(value):
                walk(f"{prefix}.{i}" if prefix else str(i), sub)
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in items)

    walk("", detail)
    return out


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF EXCEPTION_HANDLER: every failure in the contract's shape; 5xx never shows internals."""
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, Ratelimited):
        set_rollback()
        return Response(error_body("rate_limited", _("操作太频繁了，请稍后再试。")),
                        status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": "60"})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PortalError(_("提交的内容太大了，请精简后再试。"), code="too_large", status_code=413)
    elif isinstance(exc, SuspiciousOperation):  # e.g. over DATA_UPLOAD_MAX_NUMBER_FIELDS; Django answers 400 too
        exc = PortalError()

    if isinstance(exc, PortalError):
        set_rollback()
        body = error_body(exc.code, exc.message, exc.fields, **exc.extra)
        return Response(body, status=exc.status_code, headers=exc.headers)

    if isinstance(exc, drf.ValidationError):
        set_rollback()
        fields = _flatten_fields(exc.detail)
        first = next(iter(fields.values()))[0] if fields else ""
        message = _("请检查填写的内容：{detail}").format(detail=first) if first else _("请检查填写的内容。")
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, drf.APIException):
        set_rollback()
        code, message = _DRF_MESSAGES.get(type(exc), (None, None))
        if code is None:
            for cls, (c, m) in _DRF_MESSAGES.items():
                if isinstance(exc, cls):
                    code, message = c, m
                    break
        if code is None:
            code, message = (exc.default_code or "error"), exc.detail
        if isinstance(exc, drf.Throttled) and exc.wait:
            headers["Retry-After"] = str(int(exc.wait))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        return Response(error_body(code, message), status=exc.status_code, headers=headers)

    # Unexpected: log with traceback (the log filter masks personal data), answer politely.
    set_rollback()
    logger.exception("unhandled error in %s", context.get("view").__class__.__name__ if context else "?")
    return Response(error_body("server_error", _("服务暂时出了点问题，请稍后再试。")),
                    status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def ratelimited(request, exception=None) -> JsonResponse:
    """RATELIMIT_VIEW for plain Django views."""
    return JsonResponse(error_body("rate_limited", _("操作太频繁了，请稍后再试。")), status=429,
                        headers={"Retry-After": "60"})


# Django-level handlers (URLs outside DRF, and errors DRF never sees).
def handler400(request, exception=None):
    return JsonResponse(error_body("bad_request", _("请求有误，请检查后再试。")), status=400)


def handler403(request, exception=None):
    return JsonResponse(error_body("forbidden", _("您没有权限进行这个操作。")), status=403)


def handler404(request, exception=None):
    return JsonResponse(error_body("not_found", _("没有找到您要的内容。")), status=404)


def handler500(request):
    return JsonResponse(error_body("server_error", _("服务暂时出了点问题，请稍后再试。")), status=500)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: the contract's 403 under /api/ (Django's page is HTML); the admin's
    forms keep Django's own page."""
    if not request.path.startswith("/api/"):
        from django.views.csrf import csrf_failure as django_csrf_failure

        return django_csrf_failure(request, reason)
    return JsonResponse(error_body("csrf_failed", _("页面已过期，请刷新后再试。")), status=403)
