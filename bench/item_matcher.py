"""Item matcher bench: accuracy on colloquial questions over the real external catalogue, and
latency at 2,000 and 100,000 items (synthetic catalogues recombining real names), beside the naive
baseline (plain rapidfuzz WRatio of the question against item names) measured in the same run.

    .venv/bin/python bench/item_matcher.py [--large 100000] [--queries 300] [--no-semantic]

At the real size and at 2,000 items the default semantic reading (``ITEM_SEMANTIC``: questions read
by their words, ``portal/nlu/semantic.py``) is timed too, after the warm-up a server does (names,
words and characters embedded ahead, ~1 min); at the large size it is not (embedding 100,000 names
takes ~25 min of one core; the reordering itself costs the same at any size: at most 30 names).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process

from portal.nlu.items import ItemDoc, ItemMatcher
from tests.eval.external import CATALOGUE_CSV, bundled_docs, catalogue_docs, labelled, mixed

SETS = ("items_questions.tsv", "items_questions_fresh.tsv", "items_questions_residents.tsv")
# Questions over both catalogues (external by name, bundled by code; see tests/eval/test_items_eval.py
# for how each was used: blind set 6 is the latest estimate, on items no earlier set had asked about).
MIXED_SETS = ("items_questions_mixed.tsv", "items_questions_holdout.tsv", "items_questions_dev2.tsv",
              "items_questions_dev3.tsv", "items_questions_dev4.tsv", "items_questions_dev5.tsv",
              "items_questions_dev6.tsv", "items_questions_dev7.tsv", "items_questions_dev8.tsv",
              "items_questions_dev9.tsv", "items_questions_dev10.tsv", "items_questions_blind2.tsv",
              "items_questions_blind3.tsv", "items_questions_blind4.tsv", "items_questions_blind5.tsv",
              "items_questions_dev11.tsv", "items_questions_dev12.tsv", "items_questions_blind6.tsv",
              "items_questions_blind7.tsv", "items_questions_blind8.tsv", "items_questions_blind9.tsv",
              "items_questions_blind10.tsv", "items_questions_blind11.tsv", "items_questions_blind12.tsv",
              "items_questions_blind13.tsv", "items_questions_blind14.tsv",
              "items_questions_blind15.tsv", "items_questions_blind16.tsv",
              "items_questions_blind17.tsv", "items_questions_blind18.tsv",
              "items_questions_blind19.tsv", "items_questions_blind20.tsv")


def rows_of(name: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Any question set as (question, catalogue, acceptable labels), the first sets included."""
    if name in SETS:
        return [(q, "external", (n,)) for q, _c, n in labelled(name)]
    return mixed(name)


def synthetic(docs: list[ItemDoc], size: int, seed: int = 7) -> list[ItemDoc]:
    """Real items first, then new names made from the first half of one real name and the second
    half of another (and a qualifier now and then), unique, until ``size``."""
    rng = random.Random(seed)
    out = list(docs[:size])
    names = [d.name for d in docs]
    seen = set(names)
    qualifiers = ["", "", "", "（县级）", "（变更）", "（新办）", "（注销）", "（延续）", "（市级）"]
    while len(out) < size:
        a, b = rng.choice(names), rng.choice(names)
        name = a[: max(2, len(a) // 2)] + b[len(b) // 2:] + rng.choice(qualifiers)
        if name in seen:
            continue
        seen.add(name)
        source = rng.choice(docs)
        out.append(ItemDoc(id=f"syn-{len(out)}", name=name, department=source.department))
    return out


def accuracy(matcher: ItemMatcher, rows) -> dict:
    first = top3 = 0
    for question, _code, name in rows:
        names = [m.name for m in matcher.search(question, limit=3)]
        first += names[:1] == [name]
        top3 += name in names
    return {"first": round(first / len(rows), 4), "top3": round(top3 / len(rows), 4), "n": len(rows)}


def naive_accuracy(docs: list[ItemDoc], rows) -> dict:
    names = [d.name for d in docs]
    first = top3 = 0
    for question, _code, name in rows:
        found = [names[i] for _n, _s, i in process.extract(question, names, scorer=fuzz.WRatio, limit=3)]
        first += found[:1] == [name]
        top3 += name in found
    return {"first": round(first / len(rows), 4), "top3": round(top3 / len(rows), 4), "n": len(rows)}


def mixed_accuracy(matchers: dict, rows) -> dict:
    """By catalogue and overall; ``matchers`` maps "external"/"bundled" to a search function
    returning (name, id) pairs, best first."""
    out = {}
    for part in ("external", "bundled", "all"):
        subset = [r for r in rows if part in ("all", r[1])]
        if not subset:
            continue  # a probe set of the external catalogue only
        first = top3 = 0
        for question, catalogue, acceptable in subset:
            keys = [name if catalogue == "external" else id_ for name, id_ in matchers[catalogue](question)]
            first += bool(keys) and keys[0] in acceptable
            top3 += any(k in acceptable for k in keys)
        out[part] = {"first": round(first / len(subset), 4), "top3": round(top3 / len(subset), 4), "n": len(subset)}
    return out


def latency(matcher: ItemMatcher, queries: list[str]) -> dict:
    matcher.search("预热 居住证")  # first call loads the segmenter
    # The index is millions of long-lived objects: freeze them out of the cyclic GC's scans, as a
    # serving process should after building it (otherwise a full collection shows up as a p99 spike).
    gc.collect()
    gc.freeze()
    times = []
    for query in queries:
        start = time.perf_counter()
        matcher.search(query, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3), "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3), "queries": len(times)}


def naive_latency(docs: list[ItemDoc], queries: list[str]) -> dict:
    names = [d.name for d in docs]
    times = []
    for query in queries:
        start = time.perf_counter()
        process.extract(query, names, scorer=fuzz.WRatio, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3), "p99_ms": round(times[int(len(times) * 0.99) - 1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-semantic", action="store_true")
    args = parser.parse_args()
    if not CATALOGUE_CSV.exists():
        print(json.dumps({"error": f"{CATALOGUE_CSV} not found"}))
        return
    docs = catalogue_docs()
    rows = {name: labelled(name) for name in SETS}
    questions = [q for name in SETS for q, _c, _n in rows[name]]
    rng = random.Random(11)
    # Distinct questions: a repeated one would be answered from the matcher's per-question cache.
    variants = sorted({q + suffix for q in questions for suffix in ("", "吗", " 在哪办", "怎么弄", "？")})
    queries = rng.sample(variants, min(args.queries, len(variants)))

    start = time.perf_counter()
    real = ItemMatcher(docs)
    result: dict = {"catalogue": {"items": len(docs), "build_s": round(time.perf_counter() - start, 2)}}
    result["accuracy"] = {name: accuracy(real, rows[name]) for name in SETS}
    result["baseline_rapidfuzz_wratio_on_names"] = {name: naive_accuracy(docs, rows[name]) for name in SETS}
    bundled = bundled_docs()
    bundled_matcher = ItemMatcher(bundled)

    def ours(m):
        return lambda q: [(hit.name, hit.id) for hit in m.search(q, limit=3)]

    def naive(catalogue):
        names = [d.name for d in catalogue]
        return lambda q: [(names[i], catalogue[i].id)
                          for _n, _s, i in process.extract(q, names, scorer=fuzz.WRatio, limit=3)]

    for name in MIXED_SETS:
        result["accuracy"][name] = mixed_accuracy({"external": ours(real), "bundled": ours(bundled_matcher)},
                                                  mixed(name))
        result["baseline_rapidfuzz_wratio_on_names"][name] = mixed_accuracy(
            {"external": naive(docs), "bundled": naive(bundled)}, mixed(name))
    result["latency"] = {}
    for size in (len(docs), 2000, args.large):
        catalogue = synthetic(docs, size)
        start = time.perf_counter()
        matcher = real if size == len(docs) else ItemMatcher(catalogue)
        build = time.perf_counter() - start
        result["latency"][str(size)] = {**latency(matcher, queries), "build_s": round(build, 2),
                                        "baseline_wratio": naive_latency(catalogue, queries[:100])}
        if size <= 2000 and not args.no_semantic:
            from portal.nlu.semantic import Encoder

            reading = ItemMatcher(catalogue, semantic=Encoder())
            reading.semantic.passages([d.name for d in catalogue])  # the warm-up a server does
            reading.semantic.words(reading.semantic_texts())
            result["latency"][str(size)]["semantic_words"] = latency(reading, queries)
    result["targets"] = {"first": 0.80, "top3": 0.92, "p99_ms_at_2000": 2.0, "p50_ms_at_100000": 20.0}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
