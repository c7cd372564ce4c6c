"""``Idempotency-Key`` for writes a resident would not want twice (pretix's semantics).

- same key and same user → the first response is replayed (header ``Idempotent-Replayed: true``);
- a repeat while the first is still in flight → 409 ``idempotency_in_progress`` with ``Retry-After``;
- the same key reused for a different request → 422 ``idempotency_key_reused``;
- 5xx answers are not stored (the client may retry); keys are kept 24 h (a beat task purges them).

The key row is claimed with one ``INSERT … ON CONFLICT`` that the unique constraint arbitrates, so
two concurrent repeats cannot both run the write; an expired key not yet purged counts as free in
that same statement. A handler may store its answer inside its own write (``Receipt``), so that a
booking costs one round trip for the key plus the booking itself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from portal.core.crypto import blind_index
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


def _fingerprint(data: Any) -> str:
    """Keyed (HMAC, ``crypto.blind_index``): a body may carry an ID number (a counter registration),
    and a plain SHA-256 of it in the table could be reversed by trying one district's candidates."""
    try:
        body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    except Exception:  # unparseable bodies are refused by the view itself
        body = ""
    return blind_index(body, purpose="idempotency")


class Receipt:
    """A claimed key whose answer the write itself may store, in its own transaction.

    A view that creates something in one statement (``booking_create``) says how its answer is
    rendered (``answer``); the write renders it just before that statement and stores it there
    too (``stored_with``). The thing and the answer under the key then commit or vanish together,
    and the hot row the statement locks is not held for an extra round trip. A handler that
    ignores its receipt has its answer stored by the decorator afterwards.
    """

    __slots__ = ("body", "pk", "render", "status", "stored")

    def __init__(self, pk: int):
        self.pk = pk
        self.status: int | None = None
        self.render: Callable[[Any], dict] | None = None
        self.body: dict | None = None
        self.stored = False

    def answer(self, *, status: int, render: Callable[[Any], dict]) -> Receipt:
        """The answer a successful write gets: ``status`` and ``render(created thing)``."""
        self.status, self.render = status, render
        return self

    def stored_with(self, created, *, when: str) -> tuple[str, dict]:
        """Render the answer for ``created`` and return SQL for a CTE storing it under this key if
        the CTE ``when`` returned a row, with its parameters (prefixed: they cannot clash)."""
        self.body = self.render(created)
        sql = ("UPDATE core_idempotencykey SET response_status = %(idem_status)s, response_body = %(idem_body)s"  # noqa: S608
               f" WHERE id = %(idem_pk)s AND EXISTS (SELECT 1 FROM {when}) RETURNING id")  # ``when``: a CTE name
        return sql, {"idem_status": self.status, "idem_body": _body_field().get_db_prep_value(self.body, connection),
                     "idem_pk": self.pk}

    def store(self, created) -> None:
        """Render and store the answer now, inside the caller's transaction."""
        self.body = self.render(created)
        _store(self.pk, self.status, self.body)
        self.stored = True


def receipt_of(request) -> Receipt | None:
    """The claimed key of this request (None without an Idempotency-Key)."""
    return getattr(request, "_idempotency_receipt", None)


def _body_field():
    return IdempotencyKey._meta.get_field("response_body")


def _store(pk: int, status: int, body) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_idempotencykey SET response_status = %s, response_body = %s WHERE id = %s",
                       [status, _body_field().get_db_prep_value(body, connection), pk])


def _forget(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_idempotencykey WHERE id = %s", [pk])


# One statement claims the key: a new row, or an expired one (older than IDEMPOTENCY_TTL, not yet
# purged) taken over as if it were absent. A live key returns no row; its owner is then read.
_CLAIM_SQL = """
INSERT INTO core_idempotencykey (user_id, key, method, path, fingerprint, response_status, response_body, created_at)
VALUES (%(user)s, %(key)s, %(method)s, %(path)s, %(fingerprint)s, NULL, NULL, %(now)s)
ON CONFLICT (user_id, key) DO UPDATE
   SET method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
       response_status = NULL, response_body = NULL, created_at = excluded.created_at
 WHERE core_idempotencykey.created_at < %(stale_before)s
RETURNING id
"""


def _claim(*, user_id: int, key: str, method: str, path: str, fingerprint: str) -> int | None:
    """The claimed row's id, or None when a live row holds the key. Committed at once (autocommit,
    one round trip): a concurrent repeat must see the key taken while the first is in flight."""
    now = timezone.now()
    params = {"user": user_id, "key": key, "method": method, "path": path, "fingerprint": fingerprint,
              "now": connection.ops.adapt_datetimefield_value(now),
              "stale_before": connection.ops.adapt_datetimefield_value(now - settings.IDEMPOTENCY_TTL)}
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def idempotent(handler):
    """Decorate a DRF view method (``post``). Runs after DRF authenticated the request."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        user = request.user
        if not key or not user.is_authenticated:
            return handler(view, request, *args, **kwargs)

        def run(receipt: Receipt) -> Response:
            request._request._idempotency_receipt = receipt
            return handler(view, request, *args, **kwargs)

        return idempotently(run, user=user, key=key, method=request.method, path=request.path, data=request.data,
                            render_exception=view.handle_exception)

    return wrapper


def idempotently(run: Callable[[Receipt], Response], *, user, key: str, method: str, path: str, data: Any,
                 render_exception: Callable[[Exception], Response]) -> Response:
    """``run(receipt)`` once per ``key`` of ``user``: the first answer is stored and replayed to
    repeats (``@idempotent`` for DRF views; the booking's WSGI fast path, ``booking.gate``, calls it
    directly). ``data`` is the request's parsed body (its fingerprint tells a reused key);
    ``render_exception`` turns what ``run`` raises into the answer DRF would give."""
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid()

    fingerprint = _fingerprint(data)
    path = path[:255]
    pk = _claim(user_id=user.pk, key=key, method=method, path=path, fingerprint=fingerprint)
    if pk is None:
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:  # purged between our insert and read: treat as in flight
            raise IdempotencyInProgress(headers={"Retry-After": "1"})
        if (record.method, record.path, record.fingerprint) != (method, path, fingerprint):
            raise IdempotencyKeyReused()
        if record.response_status is None:
            raise IdempotencyInProgress(headers={"Retry-After": "2"})
        return Response(record.response_body, status=record.response_status,
                        headers={"Idempotent-Replayed": "true"})

    receipt = Receipt(pk)
    try:
        response = run(receipt)
    except Exception as exc:
        # Render the refusal exactly as DRF would, then keep it unless it is a 5xx.
        # (Whatever the handler stored went with its rolled-back transaction.)
        receipt.stored = False
        try:
            response = render_exception(exc)
        except Exception:
            _forget(pk)
            raise
    if response.status_code >= 500:
        _forget(pk)
    elif not receipt.stored:
        _store(pk, response.status_code, response.data)
    return response


def idempotency_purge(now=None) -> int:
    """Delete keys older than IDEMPOTENCY_TTL; returns how many went."""
    cutoff = (now or timezone.now()) - settings.IDEMPOTENCY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


__all__ = ["Receipt", "idempotency_purge", "idempotent", "idempotently", "receipt_of"]
