"""``Idempotency-Key`` for writes a resident would not want twice (pretix's semantics).

- same key and same user → the first response is replayed (header ``Idempotent-Replayed: true``);
- a repeat while the first is still in flight → 409 ``idempotency_in_progress`` with ``Retry-After``;
- the same key reused for a different request → 422 ``idempotency_key_reused``;
- 5xx answers are not stored (the client may retry); keys are kept 24 h (a beat task purges them).

The key row is claimed with an INSERT that the unique constraint arbitrates, so two concurrent
repeats cannot both run the write.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from portal.core.errors import PortalError
from portal.core.models import IdempotencyKey

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 128


class IdempotencyInProgress(PortalError):
    status_code = 409
    code = "idempotency_in_progress"
    message = _("同一个请求正在处理中，请稍候再查看结果。")


class IdempotencyKeyReused(PortalError):
    status_code = 422
    code = "idempotency_key_reused"
    message = _("这个请求编号已用于另一项操作，请换一个编号。")


class IdempotencyKeyInvalid(PortalError):
    status_code = 400
    code = "idempotency_key_invalid"
    message = _("请求编号（Idempotency-Key）格式不正确。")


def _fingerprint(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    except Exception:  # unparseable bodies are refused by the view itself
        body = ""
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(handler):
    """Decorate a DRF view method (``post``). Runs after DRF authenticated the request."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        user = request.user
        if not key or not user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise IdempotencyKeyInvalid()

        fingerprint = _fingerprint(request)
        stale_before = timezone.now() - settings.IDEMPOTENCY_TTL
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=stale_before).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, method=request.method, path=request.path[:255], fingerprint=fingerprint
                )
        except IntegrityError:
            record = IdempotencyKey.objects.filter(user=user, key=key).first()
            if record is None:  # purged between our insert and read: treat as in flight
                raise IdempotencyInProgress(headers={"Retry-After": "1"})
            if (record.method, record.path, record.fingerprint) != (request.method, request.path[:255], fingerprint):
                raise IdempotencyKeyReused()
            if record.response_status is None:
                raise IdempotencyInProgress(headers={"Retry-After": "2"})
            return Response(record.response_body, status=record.response_status,
                            headers={"Idempotent-Replayed": "true"})

        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:
            # Let DRF render the refusal exactly as it would, then keep it unless it is a 5xx.
            try:
                response = view.handle_exception(exc)
            except Exception:
                IdempotencyKey.objects.filter(pk=record.pk).delete()
                raise
        if response.status_code >= 500:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
        else:
            IdempotencyKey.objects.filter(pk=record.pk).update(
                response_status=response.status_code, response_body=response.data
            )
        return response

    return wrapper


def idempotency_purge(now=None) -> int:
    """Delete keys older than IDEMPOTENCY_TTL; returns how many went."""
    cutoff = (now or timezone.now()) - settings.IDEMPOTENCY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


__all__ = ["idempotency_purge", "idempotent"]
