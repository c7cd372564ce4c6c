"""Time parsers side by side: ours (portal.nlu.timeparse) against ChineseTimeNLP and jionlp, when
those are installed (they are not dependencies: install them into a scratch virtualenv to compare).

    .venv/bin/python bench/time_parsers.py                       # ours only
    /tmp/venv/bin/python bench/time_parsers.py                   # a venv that also has the others

Phrases: tests/eval/time_phrases.tsv (written after our parser) and the date/time slots of the
labelled chat messages. now = 2026-11-24 10:00 Asia/Shanghai. Prints one JSON object.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "2026-11-24 10:00:00"
CLOCK = re.compile(r"[0-9一二三四五六七八九十两]+ *[点:：]")


def phrases() -> dict[str, list[tuple[str, dict]]]:
    sets: dict[str, list[tuple[str, dict]]] = {"time_phrases": [], "chat_slots": []}
    for line in (ROOT / "tests/eval/time_phrases.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        text, day, clock = ([*line.split("\t"), "", ""])[:3]
        sets["time_phrases"].append((text, {"date": day, **({"time_from": clock} if clock else {})}))
    for name in ("chat_messages.tsv", "chat_messages_fresh.tsv", "chat_messages_holdout.tsv",
                 "chat_messages_final.tsv"):
        for line in (ROOT / "tests/eval" / name).read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            cols = [*line.split("\t"), "", "", ""]
            slots = dict(kv.split("=", 1) for kv in cols[2].split(";") if kv)
            gold = {k: v for k, v in slots.items() if k in ("date", "time_from")}
            if gold and cols[3] != "en":
                sets["chat_slots"].append((cols[0], gold))
    return sets


def ours():
    from portal.nlu.lexicon import default_lexicon
    from portal.nlu.timeparse import SHANGHAI, parse_when

    now = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
    lexicon = default_lexicon()
    return lambda text: parse_when(lexicon.canonicalize(text).text, now).as_slots()


def chinese_time_nlp():
    import arrow
    from ChineseTimeNLP import TimeNormalizer

    normalizer = TimeNormalizer(isPreferFuture=True)
    base = arrow.get(BASE)

    def parse(text):
        raw = normalizer.parse(text, base)
        stamp = raw.get("timestamp") or (raw.get("timespan") or [None])[0]
        return _stamp(stamp)

    return parse


def jionlp():
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
        import jionlp as jio

    base = time.mktime(time.strptime(BASE, "%Y-%m-%d %H:%M:%S"))

    def parse(text):
        for item in jio.ner.extract_time(text, time_base=base, with_parsing=True):
            span = (item.get("detail") or {}).get("time")
            if isinstance(span, list) and span and isinstance(span[0], str):
                return _stamp(span[0])
        return {}

    return parse


def _stamp(stamp: str | None) -> dict:
    if not stamp:
        return {}
    out = {"date": stamp[:10]}
    if stamp[11:16] and stamp[11:16] != "00:00":
        out["time_from"] = stamp[11:16]
    return out


def measure(parse, rows) -> dict:
    ok = {"date": [0, 0], "time_from": [0, 0], "explicit_clock": [0, 0]}
    times = []
    for text, gold in rows:
        start = time.perf_counter()
        try:
            got = parse(text)
        except Exception:
            got = {}
        times.append((time.perf_counter() - start) * 1000)
        for key in ("date", "time_from"):
            if key in gold:
                ok[key][1] += 1
                ok[key][0] += got.get(key) == gold[key]
        if "time_from" in gold and CLOCK.search(text):
            ok["explicit_clock"][1] += 1
            ok["explicit_clock"][0] += got.get("time_from") == gold["time_from"]
    times.sort()
    return {**{k: round(a / n, 4) if n else None for k, (a, n) in ok.items()},
            "n": {k: n for k, (_a, n) in ok.items()},
            "p50_ms": round(statistics.median(times), 3), "p99_ms": round(times[int(len(times) * 0.99) - 1], 3)}


def main() -> None:
    sets = phrases()
    result: dict = {}
    for name, factory in (("ours", ours), ("ChineseTimeNLP", chinese_time_nlp), ("jionlp", jionlp)):
        try:
            parse = factory()
        except ImportError as exc:
            result[name] = f"not installed ({exc.name})"
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            parse("明天")  # warm up (dictionaries load on first use)
        result[name] = {label: measure(parse, rows) for label, rows in sets.items()}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
