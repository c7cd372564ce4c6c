"""一网通办 search latency: through the API, and the matcher alone at 100,000 items.

1. API: ``GET /api/v1/services/items/?q=…`` in-process through Django's full stack (URL routing,
   DRF, the matcher, the item query, serialisation) over the bundled catalogue plus the imported
   external one (1,437 items), on a throw-away SQLite database (or ``BENCH_DATABASE_URL``). Baseline
   measured in the same run: a naive search in the same view path — the database filter
   ``name__icontains`` on each word of the question (what a first version would do), and plain
   rapidfuzz ranking of all names; top-3 relevance of each on the team's question sets is printed
   beside the latency so the baseline's speed is not mistaken for a result. Each question is asked
   as if for the first time (the encoder's memory of questions is cleared before each pass), with the
   configured reading of a question (``ITEM_SEMANTIC_QUESTION``) and, for comparison, the other one.
2. Matcher alone at 100,000 synthetic items made by recombining real names (halves of bundled and
   external names joined at a random cut, with their departments): p50/p90 of ``ItemMatcher.search``
   against plain rapidfuzz ``process.extract`` over the same 100,000 names.

    .venv/bin/python bench/services_search.py            # prints one JSON object
    BENCH_ITEMS=20000 .venv/bin/python bench/services_search.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.eval.external import CATALOGUE_CSV as EXTERNAL  # noqa: E402  (one lookup of the shared data)

SYNTHETIC_ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))

_tmp = tempfile.mkdtemp(prefix="bench-services-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 2), "n": len(ordered)}


def questions() -> list[tuple[str, str, str]]:
    rows = []
    for name, kind in (("relevance_bundled.tsv", "code"), ("relevance_external.tsv", "name")):
        for line in (ROOT / "tests" / "services" / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                question, expected = line.split("\t")[:2]
                rows.append((question, expected, kind))
    return rows


def setup_database() -> None:
    from django.core.management import call_command

    from services import demo

    call_command("migrate", verbosity=0)
    demo.load_catalogue()
    if EXTERNAL.exists():
        call_command("import_catalogue", str(EXTERNAL), "--no-progress", stdout=StringIO())


def naive_icontains(query: str, limit: int = 20):
    """Baseline search: AND of ``name__icontains`` over the question's words (jieba), no ranking."""
    import jieba
    from django.db.models import Q

    from services.models import ServiceItem

    words = [w for w in jieba.lcut(query) if len(w) > 1]
    condition = Q()
    for word in words:
        condition |= Q(name__icontains=word)
    if not words:
        return []
    return list(ServiceItem.objects.filter(condition, is_active=True).select_related("department")[:limit])


def api_samples(client, rows) -> list[float]:
    """Seconds per ``GET /api/v1/services/items/?q=`` for each question, ``REPEAT`` times, after the
    warm-up a server process does; questions the encoder remembers are forgotten before each pass, so
    every sample is a question asked for the first time (a repeated question costs no model run)."""
    from services import search

    search.warm_up()  # build once (and embed what the semantic reading needs), as a server process does
    client.get("/api/v1/services/items/", {"q": "预热"})
    samples = []
    for _ in range(REPEAT):
        encoder = search.matcher().semantic
        if encoder is not None:
            encoder._queries.clear()
        for question, _expected, _kind in rows:
            started = time.perf_counter()
            response = client.get("/api/v1/services/items/", {"q": question})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
    return samples


def bench_api(rows) -> dict:
    from rest_framework.test import APIClient

    from services import search
    from services.models import ServiceItem

    client = APIClient()
    samples = api_samples(client, rows)
    # The other reading of a question (ITEM_SEMANTIC_QUESTION), same run: words when the default is
    # the whole sentence, and the other way round.
    from django.conf import settings

    default_reading = settings.ITEM_SEMANTIC_QUESTION
    other_reading = {"sentence": "words", "words": "sentence"}[default_reading]
    settings.ITEM_SEMANTIC_QUESTION = other_reading
    search.reset()
    other_samples = api_samples(client, rows)
    settings.ITEM_SEMANTIC_QUESTION = default_reading
    search.reset()
    search.warm_up()
    # Baseline through the same API path: the view with the matcher swapped for plain rapidfuzz
    # ranking of the item names (the "plain rapidfuzz ranking").
    from rapidfuzz import fuzz as _fuzz
    from rapidfuzz import process as _process

    from portal.nlu.items import ItemMatch

    all_names = dict(ServiceItem.objects.values_list("id", "name"))

    def plain_search(query, limit=10, *, min_score=None):
        return [ItemMatch(i, n, s, []) for n, s, i in _process.extract(query, all_names, scorer=_fuzz.WRatio,
                                                                       limit=limit, score_cutoff=50)]

    real_search = search.search
    search.search = plain_search
    try:
        plain_api = []
        for _ in range(REPEAT):
            for question, _expected, _kind in rows:
                started = time.perf_counter()
                client.get("/api/v1/services/items/", {"q": question})
                plain_api.append(time.perf_counter() - started)
    finally:
        search.search = real_search
    browse = []
    for _ in range(len(rows)):
        started = time.perf_counter()
        client.get("/api/v1/services/items/")
        browse.append(time.perf_counter() - started)

    # Baselines, same run: naive DB substring search, and plain rapidfuzz over all names.
    from rapidfuzz import fuzz, process

    items = list(ServiceItem.objects.values_list("id", "name", "code"))
    names = {i: n for i, n, _c in items}
    by_id = {i: (n, c) for i, n, c in items}
    naive_samples, fuzz_samples = [], []
    hits = {"matcher": 0, "icontains": 0, "rapidfuzz": 0}
    for question, expected, kind in rows:
        started = time.perf_counter()
        found = naive_icontains(question)
        naive_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        ranked = process.extract(question, names, scorer=fuzz.WRatio, limit=3)
        fuzz_samples.append(time.perf_counter() - started)
        key = 1 if kind == "code" else 0

        def top3(ids, key=key):
            return [by_id[i][key] for i in ids][:3]

        hits["icontains"] += expected in [getattr(item, "code" if key else "name") for item in found[:3]]
        hits["rapidfuzz"] += expected in top3([i for _n, _s, i in ranked])
        hits["matcher"] += expected in top3([m.id for m in search.search(question, limit=3)])
    api = percentiles(samples)
    naive = percentiles(naive_samples)
    plain = percentiles(plain_api)
    return {
        "catalogue_items": len(items),
        "questions": len(rows),
        "semantic_reading": default_reading if settings.ITEM_SEMANTIC else "off",
        "api_search": api,
        f"api_search_with_the_{other_reading}_reading": percentiles(other_samples),
        "baseline_api_with_plain_rapidfuzz": plain,
        "ratio_api_p50_to_plain_api_p50": round(api["p50_ms"] / plain["p50_ms"], 2),
        "api_browse_without_q": percentiles(browse),
        "baseline_naive_icontains_query_only": naive,
        "baseline_plain_rapidfuzz_in_process": percentiles(fuzz_samples),
        "top3_share": {k: round(v / len(rows), 3) for k, v in hits.items()},
        "target_api_p50_ms": 30,
    }


def synthetic_docs(count: int):
    import csv

    from portal.nlu.items import ItemDoc
    from services.demo import catalogue_records

    pairs = [(r["name"], r["department"]) for r in catalogue_records()]
    if EXTERNAL.exists():
        with EXTERNAL.open(encoding="utf-8") as handle:
            pairs += [(r["name"], r["department"]) for r in csv.DictReader(handle)]
    rng = random.Random(20261124)
    docs, seen = [], set()
    while len(docs) < count:
        (a, dept), (b, _) = rng.choice(pairs), rng.choice(pairs)
        cut_a = rng.randint(2, max(2, len(a) - 1))
        cut_b = rng.randint(1, max(1, len(b) - 2))
        name = a[:cut_a] + b[cut_b:]
        if name in seen:
            continue
        seen.add(name)
        docs.append(ItemDoc(id=len(docs), name=name, department=dept))
    return docs


def bench_matcher_at_scale(rows) -> dict:
    from rapidfuzz import fuzz, process

    from portal.nlu.items import ItemMatcher

    docs = synthetic_docs(SYNTHETIC_ITEMS)
    started = time.perf_counter()
    matcher = ItemMatcher(docs)
    build = time.perf_counter() - started
    names = [d.name for d in docs]
    matcher.search("预热")
    samples, baseline = [], []
    for question, _expected, _kind in rows:
        started = time.perf_counter()
        matcher.search(question, limit=10)
        samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        process.extract(question, names, scorer=fuzz.WRatio, limit=10)
        baseline.append(time.perf_counter() - started)
    ours, theirs = percentiles(samples), percentiles(baseline)
    return {
        "items": len(docs),
        "build_seconds": round(build, 1),
        "matcher_search": ours,
        "baseline_plain_rapidfuzz_extract": theirs,
        "ratio_p50_matcher_to_baseline": round(ours["p50_ms"] / theirs["p50_ms"], 3),
        "target_matcher_p50_ms": 20,
    }


def main() -> None:
    rows = questions()
    setup_database()
    result = {"api": bench_api(rows), "matcher_at_scale": bench_matcher_at_scale(rows),
              "database": "sqlite (throw-away)" if "BENCH_DATABASE_URL" not in os.environ else "BENCH_DATABASE_URL"}
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
