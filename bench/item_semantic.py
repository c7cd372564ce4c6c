"""The item matcher with and without the semantic reordering (``portal/nlu/semantic.py``).

    .venv/bin/python bench/item_semantic.py [--weight 5.0 ...] [--sentence] [--latency]

For every question set (tests/eval/): first / top-3 per catalogue, lexical against semantic with
questions read as the sum of their words at each weight (and, with ``--sentence``, embedded whole
at the first weight), all in one process. With ``--latency``: per-question time of the matchers over
the external + bundled catalogues (about 1,400 items; the reordering costs the same at any
catalogue size: at most SEMANTIC_POOL names), the questions alternated, after the warm-up a server
does (names, the catalogue's words and characters embedded); and the one-off embedding times.
Prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.item_matcher import MIXED_SETS, SETS, mixed_accuracy, rows_of
from bench.rushlib import percentile
from portal.nlu.items import SEMANTIC_WEIGHT, ItemMatcher
from portal.nlu.semantic import MODEL, Encoder
from tests.eval.external import bundled_docs, catalogue_docs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weight", type=float, nargs="*", default=[SEMANTIC_WEIGHT])
    parser.add_argument("--sentence", action="store_true")
    parser.add_argument("--without", nargs="*", default=[],
                        help="question sets to leave out (a blind set not to look at)")
    parser.add_argument("--latency", action="store_true")
    args = parser.parse_args()
    encoder = Encoder(threads=int(os.environ.get("SEMANTIC_THREADS", "1")))
    external, bundled = catalogue_docs(), bundled_docs()
    began = time.perf_counter()
    encoder.passages([d.name for d in external + bundled])
    embed_s = time.perf_counter() - began
    variants = {"lexical": {"external": ItemMatcher(external), "bundled": ItemMatcher(bundled)}}
    for weight in args.weight:
        variants[f"words x{weight:g}"] = {
            "external": ItemMatcher(external, semantic=encoder, semantic_weight=weight),
            "bundled": ItemMatcher(bundled, semantic=encoder, semantic_weight=weight)}
    if args.sentence:
        variants[f"sentence x{args.weight[0]:g}"] = {
            c: ItemMatcher(docs, semantic=encoder, semantic_weight=args.weight[0], semantic_question="sentence")
            for c, docs in (("external", external), ("bundled", bundled))}
    report: dict = {"bench": "item_semantic", "model": MODEL, "loadavg_1m": round(os.getloadavg()[0], 2),
                    "catalogue_embedding_s": round(embed_s, 1), "items_embedded": len(external) + len(bundled),
                    "sets": {}}
    for name in (*SETS, *MIXED_SETS):
        if name in args.without:
            continue
        rows = rows_of(name)
        report["sets"][name] = {
            variant: mixed_accuracy({c: (lambda q, m=m: [(h.name, h.id) for h in m.search(q, limit=3)])
                                     for c, m in matchers.items()}, rows)
            for variant, matchers in variants.items()}
    if args.latency:
        both = external + bundled
        threads = int(os.environ.get("SEMANTIC_THREADS", "1"))
        fresh = Encoder(threads=threads)  # nothing remembered yet: the warm-up a server does, timed
        matchers = {"lexical": ItemMatcher(both),
                    "words": ItemMatcher(both, semantic=fresh, semantic_weight=args.weight[0])}
        began = time.perf_counter()
        fresh.passages([d.name for d in both])
        names_s = time.perf_counter() - began
        began = time.perf_counter()
        texts = matchers["words"].semantic_texts()
        fresh.words(texts)
        report["warm_up_s"] = {"names": round(names_s, 1),
                               "words_and_characters": round(time.perf_counter() - began, 1),
                               "words_and_characters_embedded": len(texts)}
        if args.sentence:
            matchers["sentence"] = ItemMatcher(both, semantic=fresh, semantic_question="sentence")
        questions = list(dict.fromkeys(q for name in (*SETS, *MIXED_SETS) for q, *_ in rows_of(name)))
        times: dict[str, list[float]] = {variant: [] for variant in matchers}
        gc.collect()
        gc.freeze()
        for question in questions:
            for variant, matcher in matchers.items():
                began = time.perf_counter()
                matcher.search(question, limit=10)
                times[variant].append((time.perf_counter() - began) * 1000)
        report["latency_ms"] = {variant: {"questions": len(v), "p50": round(statistics.median(v), 2),
                                          "p95": round(percentile(v, 95), 2), "p99": round(percentile(v, 99), 2)}
                                for variant, v in times.items()}
        report["latency_ms"]["items"] = len(both)
        report["latency_ms"]["units_embedded_while_asked"] = len(fresh._words) - len(texts)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
