"""Shared by the chat evaluation test and bench/chat_nlu.py: load the labelled set, classify,
measure intent and slot accuracy, false accepts on SMP2017, and the naive baseline."""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from rapidfuzz import fuzz, process

from tests.eval.external import EVAL_DIR, SMP_TSV

NOW = datetime.fromisoformat("2026-11-24T10:00:00+08:00")
DOMAIN_FREE = {"greeting", "thanks", "help", "human", "fallback"}
SLOT_KEYS = ("sport", "date", "time_from")


def load(name: str = "chat_messages.tsv") -> list[dict]:
    rows = []
    for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t") + [""] * 4
        slots = dict(kv.split("=", 1) for kv in cols[2].split(";") if kv)
        rows.append({"text": cols[0], "intent": cols[1], "slots": slots, "lang": cols[3] or "zh"})
    return rows


def classifier():
    from portal.chat.registry import specs
    from portal.nlu.intents import IntentClassifier

    return IntentClassifier(specs())


def evaluate(clf, rows) -> dict:
    by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    slot_ok = slot_total = 0
    misses = []
    latencies = []
    for row in rows:
        start = time.perf_counter()
        decision = clf.classify(row["text"], now=NOW)
        latencies.append(time.perf_counter() - start)
        ok = decision.intent == row["intent"]
        by_lang[row["lang"]][0] += ok
        by_lang[row["lang"]][1] += 1
        if not ok:
            misses.append((row["text"], row["intent"], decision.intent, decision.outcome,
                           round(decision.confidence, 2)))
        for key in SLOT_KEYS:
            if key in row["slots"]:
                slot_total += 1
                got = decision.slots.get(key)
                if got == row["slots"][key]:
                    slot_ok += 1
                else:
                    misses.append((row["text"], f"slot {key}={row['slots'][key]}", f"got {got}", "", 0))
    latencies.sort()
    return {
        "intent_accuracy": {lang: ok / n for lang, (ok, n) in by_lang.items()},
        "n": {lang: n for lang, (_ok, n) in by_lang.items()},
        "slot_accuracy": slot_ok / slot_total if slot_total else None,
        "slot_n": slot_total,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "misses": misses,
    }


def smp_out_of_scope(path: Path = SMP_TSV) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [r["sentence"] for r in csv.DictReader(fh, delimiter="\t") if r["domain"] not in ("chat", "health")]


def false_accepts(clf, sentences) -> dict:
    accepted = []
    given = []
    for sentence in sentences:
        decision = clf.classify(sentence, now=NOW)
        if decision.intent not in DOMAIN_FREE:
            given.append(sentence)
            if decision.outcome == "accept":
                accepted.append((sentence, decision.intent, round(decision.confidence, 2)))
    return {"n": len(sentences), "accepted_rate": len(accepted) / len(sentences),
            "domain_intent_rate": len(given) / len(sentences), "accepted": accepted, "given": given}


def naive_baseline(rows, examples_per_intent: int = 5) -> float:
    """rapidfuzz WRatio of the raw message against a handful of example phrases per intent."""
    from portal.chat.registry import specs

    choices = []
    owners = []
    for spec in specs():
        for example in spec.examples[:examples_per_intent]:
            choices.append(example)
            owners.append(spec.name)
    ok = 0
    for row in rows:
        best = process.extractOne(row["text"], choices, scorer=fuzz.WRatio)
        intent = owners[best[2]] if best and best[1] >= 50 else "fallback"
        ok += intent == row["intent"]
    return ok / len(rows)
