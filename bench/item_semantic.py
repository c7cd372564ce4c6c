"""The item matcher with and without the semantic reordering (``portal/nlu/semantic.py``).

    .venv/bin/python bench/item_semantic.py [--weight 3.0 ...] [--latency]

For every question set (tests/eval/): first / top-3 per catalogue, lexical against semantic at
each weight, both in one process. With ``--latency``: per-question time of both matchers over the
external + bundled catalogues (about 1,400 items; the reordering costs the same at any catalogue
size: one question embedded, at most SEMANTIC_POOL names), the questions alternated, and the
catalogue's one-off embedding time. Prints JSON.
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
    parser.add_argument("--latency", action="store_true")
    args = parser.parse_args()
    encoder = Encoder(threads=int(os.environ.get("SEMANTIC_THREADS", "1")))
    external, bundled = catalogue_docs(), bundled_docs()
    began = time.perf_counter()
    encoder.passages([d.name for d in external + bundled])
    embed_s = time.perf_counter() - began
    variants = {"lexical": {"external": ItemMatcher(external), "bundled": ItemMatcher(bundled)}}
    for weight in args.weight:
        variants[f"semantic x{weight:g}"] = {
            "external": ItemMatcher(external, semantic=encoder, semantic_weight=weight),
            "bundled": ItemMatcher(bundled, semantic=encoder, semantic_weight=weight)}
    report: dict = {"bench": "item_semantic", "model": MODEL, "loadavg_1m": round(os.getloadavg()[0], 2),
                    "catalogue_embedding_s": round(embed_s, 1), "items_embedded": len(external) + len(bundled),
                    "sets": {}}
    for name in (*SETS, *MIXED_SETS):
        rows = rows_of(name)
        report["sets"][name] = {
            variant: mixed_accuracy({c: (lambda q, m=m: [(h.name, h.id) for h in m.search(q, limit=3)])
                                     for c, m in matchers.items()}, rows)
            for variant, matchers in variants.items()}
    if args.latency:
        both = external + bundled
        lexical = ItemMatcher(both)
        semantic = ItemMatcher(both, semantic=encoder, semantic_weight=args.weight[0])
        questions = list(dict.fromkeys(q for name in (*SETS, *MIXED_SETS) for q, *_ in rows_of(name)))
        times: dict[str, list[float]] = {"lexical": [], "semantic": []}
        fresh = Encoder(threads=int(os.environ.get("SEMANTIC_THREADS", "1")))  # no question remembered yet
        fresh.passages([d.name for d in both])
        semantic.semantic = fresh
        gc.collect()
        gc.freeze()
        for question in questions:
            for variant, matcher in (("lexical", lexical), ("semantic", semantic)):
                began = time.perf_counter()
                matcher.search(question, limit=10)
                times[variant].append((time.perf_counter() - began) * 1000)
        report["latency_ms"] = {variant: {"questions": len(v), "p50": round(statistics.median(v), 2),
                                          "p95": round(percentile(v, 95), 2), "p99": round(percentile(v, 99), 2)}
                                for variant, v in times.items()}
        report["latency_ms"]["items"] = len(both)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
