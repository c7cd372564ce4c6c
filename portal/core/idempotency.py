"""``Idempotency-Key`` for writes a resident would not want twice (pretix's semantics).

- same key and same user → the first response is replayed (header ``Idempotent-Replayed: true``);
- a repeat while the first is still in flight → 409 ``idempotency_in_progress`` with ``Retry-After``;
- the same key reused for a different request → 422 ``idempotency_key_reused``;
- 5xx answers are not stored (the client may retry); keys are kept 24 h (a beat task purges them).

The key row is claimed with one ``INSERT … ON CONFLICT`` that the unique constraint arbitrates, so
two concurrent repeats cannot both run the write; an expired key not yet purged counts as free in
that same statement. A handler may store its answer inside its own write (``Receipt``); a write
that runs under a lock of its user (the booking, under the resident's row lock) may also claim the
key itself (``write_claims``), so that a booking's key costs no round trip of its own.
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
from portal.core.prepared import prepared_cursor

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


class KeyTaken(Exception):
    """Raised by a write that claims its key (``Receipt.claim``) and finds it live: the request is a
    repeat, and ``idempotently`` answers it as one."""


class Receipt:
    """A request's key, whose answer the write itself may store, in its own transaction.

    A view that creates something in one statement (``booking_create``) says how its answer is
    rendered (``answer``); the write renders it just before that statement and stores it there
    too (``answer_row``). The thing and the answer under the key then commit or vanish together,
    and the hot row the statement locks is not held for an extra round trip. A handler that
    ignores its receipt has its answer stored by the decorator afterwards.

    With ``write_claims`` the key is not claimed yet (``pk`` is None, ``claim`` holds what the claim
    needs): the write claims it in its own transaction, under the lock that serialises the user's
    writes, sets ``pk`` — and raises ``KeyTaken`` if a live row holds the key. A write that refuses
    before claiming leaves it to ``idempotently``, which then claims the key for the refusal.
    """

    __slots__ = ("body", "claim", "pk", "render", "status", "stored")

    def __init__(self, pk: int | None, claim: dict | None = None):
        self.pk = pk
        self.claim = claim
        self.status: int | None = None
        self.render: Callable[[Any], dict] | None = None
        self.body: dict | None = None
        self.stored = False

    def claim_now(self) -> None:
        """Claim the key here, in the caller's transaction (a write on a database without
        ``booking_book``); ``KeyTaken`` if a live row holds it."""
        if self.pk is None:
            self.pk = _claim(**self.claim)
            if self.pk is None:
                raise KeyTaken()

    def answer(self, *, status: int, render: Callable[[Any], dict]) -> Receipt:
        """The answer a successful write gets: ``status`` and ``render(created thing)``."""
        self.status, self.render = status, render
        return self

    def answer_row(self, created) -> tuple[int, int, Any]:
        """Render the answer for ``created``: (the key's row id — None while the write is still to
        claim it —, the status, the body as the database takes it), for a write that stores it in
        its own statement (``booking_book``)."""
        self.body = self.render(created)
        return self.pk, self.status, _body_field().get_db_prep_value(self.body, connection)

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


def _store(pk: int, status: int, body) -> bool:
    """Store the answer under the claimed row ``pk``; False if there is no such row."""
    with prepared_cursor() as cursor:
        cursor.execute("UPDATE core_idempotencykey SET response_status = %s, response_body = %s WHERE id = %s",
                       [status, _body_field().get_db_prep_value(body, connection), pk])
        return cursor.rowcount == 1


def forget(pk: int | None) -> None:
    """Drop a claimed key's row (its request gets no answer to keep)."""
    if pk is None:  # never claimed
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_idempotencykey WHERE id = %s", [pk])


# One statement claims the key: a new row, or an expired one (older than IDEMPOTENCY_TTL, not yet
# purged) taken over as if it were absent. A live key returns no row; its owner is then read.
# The booking's function ``booking_book`` (booking/migrations/0004) claims a key with the same
# statement: a change here needs a migration replacing the function too.
_CLAIM_SQL = """
INSERT INTO core_idempotencykey (user_id, key, method, path, fingerprint, response_status, response_body, created_at)
VALUES (%(user)s, %(key)s, %(method)s, %(path)s, %(fingerprint)s, NULL, NULL, %(now)s)
ON CONFLICT (user_id, key) DO UPDATE
   SET method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
       response_status = NULL, response_body = NULL, created_at = excluded.created_at
 WHERE core_idempotencykey.created_at < %(stale_before)s
RETURNING id
"""


def stale_before(now):
    """Keys created before this are expired (``IDEMPOTENCY_TTL``): free to claim again, and purged."""
    return now - settings.IDEMPOTENCY_TTL


def _claim_params(*, user_id: int, key: str, method: str, path: str, fingerprint: str) -> dict:
    now = timezone.now()
    return {"user": user_id, "key": key, "method": method, "path": path, "fingerprint": fingerprint,
            "now": connection.ops.adapt_datetimefield_value(now),
            "stale_before": connection.ops.adapt_datetimefield_value(stale_before(now))}


def _claim(**claim) -> int | None:
    """The claimed row's id, or None when a live row holds the key. Outside a transaction it is
    committed at once (autocommit, one round trip): a concurrent repeat must see the key taken
    while the first is in flight."""
    with prepared_cursor() as cursor:
        cursor.execute(_CLAIM_SQL, _claim_params(**claim))
        row = cursor.fetchone()
    return None if row is None else row[0]


def idempotent(handler=None, *, write_claims: bool = False):
    """Decorate a DRF view method (``post``). Runs after DRF authenticated the request.
    ``@idempotent(write_claims=True)``: the view's write claims the key itself (``Receipt``)."""
    if handler is None:
        return functools.partial(idempotent, write_claims=write_claims)

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
                            render_exception=view.handle_exception, write_claims=write_claims)

    return wrapper


def claim_of(*, user_id: int, key: str, method: str, path: str, data: Any) -> dict:
    """What claiming ``key`` for this request takes (``Receipt.claim``); ``IdempotencyKeyInvalid``
    for a key that is too long or not printable."""
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid()
    return {"user_id": user_id, "key": key, "method": method, "path": path[:255], "fingerprint": _fingerprint(data)}


def idempotently(run: Callable[[Receipt], Response], *, user, key: str, method: str, path: str, data: Any,
                 render_exception: Callable[[Exception], Response], write_claims: bool = False,
                 claimed: int | None = None) -> Response:
    """``run(receipt)`` once per ``key`` of ``user``: the first answer is stored and replayed to
    repeats (``@idempotent`` for DRF views; the booking's WSGI fast path, ``booking.gate``, calls it
    directly). ``data`` is the request's parsed body (its fingerprint tells a reused key);
    ``render_exception`` turns what ``run`` raises into the answer DRF would give. With
    ``write_claims`` the key is claimed by ``run``'s write (see ``Receipt``), not before it;
    ``claimed``: the key's row this request already claimed (the booking lane's, ``booking.lane``)."""
    claim = claim_of(user_id=user.pk, key=key, method=method, path=path, data=data)
    if claimed is not None:
        receipt = Receipt(claimed)
    elif write_claims:
        receipt = Receipt(None, claim)
    else:
        pk = _claim(**claim)
        if pk is None:
            return _repeat(**claim)
        receipt = Receipt(pk)
    try:
        response = run(receipt)
    except KeyTaken:
        return _repeat(**claim)
    except Exception as exc:
        # Render the refusal exactly as DRF would, then keep it unless it is a 5xx.
        # (Whatever the handler stored went with its rolled-back transaction.)
        receipt.stored = False
        try:
            response = render_exception(exc)
        except Exception:
            forget(receipt.pk)
            raise
    if response.status_code >= 500:
        forget(receipt.pk)
    elif not receipt.stored and not (receipt.pk is not None and _store(receipt.pk, response.status_code,
                                                                       response.data)):
        # The write refused before claiming the key, or its claim went with its rolled-back
        # transaction (``write_claims``): claim the key for the refusal now.
        receipt.pk = _claim(**claim)
        if receipt.pk is None:  # a repeat after all: the first answer stands
            return _repeat(**claim)
        _store(receipt.pk, response.status_code, response.data)
    return response


def _repeat(*, user_id: int, key: str, method: str, path: str, fingerprint: str) -> Response:
    """The answer to a request whose key a live row holds: the first answer replayed, or why not."""
    record = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if record is None:  # purged between our insert and read: treat as in flight
        raise IdempotencyInProgress(headers={"Retry-After": "1"})
    if (record.method, record.path, record.fingerprint) != (method, path, fingerprint):
        raise IdempotencyKeyReused()
    if record.response_status is None:
        raise IdempotencyInProgress(headers={"Retry-After": "2"})
    return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})


def idempotency_purge(now=None) -> int:
    """Delete keys older than IDEMPOTENCY_TTL; returns how many went."""
    cutoff = stale_before(now or timezone.now())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


__all__ = ["Receipt", "claim_of", "forget", "idempotency_purge", "idempotent", "idempotently", "receipt_of",
           "stale_before"]
