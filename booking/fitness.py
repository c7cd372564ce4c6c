"""健身指导: exercise guidance per condition or goal (plain data, no Django).

The guides are ``fixtures/fitness_guides.yaml``: written for this project as general, conservative
advice for healthy adults and people whose condition is stable; every guide says to ask one's family
doctor first when in doubt. Intensity uses the talk test (能说话但不能唱歌 = moderate) and the 0–10
perceived-exertion scale, which need no equipment. ``venue_sports`` are the canonical sport names
used to suggest nearby venues.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

GENERAL_NOTE = "以上为一般性运动建议，不能代替医生的诊疗意见；身体不适或病情不稳定时，请先咨询您的家庭医生。"

GUIDES: list[dict] = yaml.safe_load((Path(__file__).parent / "fixtures" / "fitness_guides.yaml").read_text("utf-8"))


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower()


_AGE = re.compile(r"(\d{1,3})\s*(?:周岁|岁)|([一二三四五六七八九])十(?:[一二三四五六七八九]|多|几)?(?:周岁|岁)")


def _ages(query: str) -> list[int]:
    """Ages the question states (我70岁了, 孩子7岁, 奶奶八十多岁 → 70, 7, 80)."""
    out = []
    for digits, tens in _AGE.findall(query):
        out.append(int(digits) if digits else 10 * ("一二三四五六七八九".index(tens) + 1))
    return out


def _score(guide: dict, query: str, ages: list[int]) -> int:
    """How well a guide fits the question: the longest of its words (or patterns) the question has,
    or the question as part of one of its words; 0 when the question says something that rules it
    out (低血压 is no question about high blood pressure)."""
    if any(_normalise(word) in query for word in guide.get("excludes", ())):
        return 0
    words = [_normalise(a) for a in guide["aliases"]] + [_normalise(guide["title"])]
    score = max((len(w) for w in words if w and (w in query or query in w)), default=0)
    for pattern in guide.get("patterns", ()):
        found = re.search(pattern, query)
        if found:
            score = max(score, len(found.group(0)))
    low, high = guide.get("ages", (None, None))
    if low is not None and any(low <= age <= high for age in ages):
        score = max(score, 3)
    return score


def search(q: str | None) -> list[dict]:
    """Guides whose title or everyday words match ``q`` (all guides when ``q`` is empty), best
    first. Each result is a copy with ``general_note`` added and ``aliases``, ``patterns``,
    ``excludes`` and ``ages`` (how it is found) left out."""
    query = _normalise(q or "")
    ages = _ages(query)
    scored: list[tuple[int, int, dict]] = []
    for order, guide in enumerate(GUIDES):
        score = _score(guide, query, ages) if query else 1
        if score:
            scored.append((score, order, guide))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [_public(guide) for _, _, guide in scored]


_FINDING = ("aliases", "patterns", "excludes", "ages")


def _public(guide: dict) -> dict:
    return {k: v for k, v in guide.items() if k not in _FINDING} | {"general_note": GENERAL_NOTE}


def guide(key: str) -> dict | None:
    for item in GUIDES:
        if item["key"] == key:
            return _public(item)
    return None
