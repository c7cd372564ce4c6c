"""Slot extraction: sport, date, time range, district, party size — from a canonicalised message."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from pypinyin import Style, lazy_pinyin

from portal.nlu.data import read_tsv
from portal.nlu.lexicon import Canonical
from portal.nlu.normalize import normalize
from portal.nlu.pinyin import split_syllables
from portal.nlu.timeparse import PEOPLE, parse_when


@cache
def sports() -> tuple[str, ...]:
    """Canonical sport names, longest first (乒乓球 before 球)."""
    return tuple(sorted((row[0] for row in read_tsv("sports.tsv")), key=len, reverse=True))


@cache
def districts() -> tuple[tuple[str, str], ...]:
    """(surface, canonical) of every district and town, longest surface first: the names of
    ``districts.tsv`` and, for each, how it is written in Latin letters — its toneless pinyin
    (zhangjiang, lujiazui, pudong), unless the line gives a Latin name of its own (高行 is gaohang,
    闵行 minhang, 长宁 changning: a reading out of context would say xing, zhang)."""
    pairs = []
    for row in read_tsv("districts.tsv"):
        canonical = row[0]
        names = [canonical, *(v.strip() for v in (row[1].split("|") if len(row) > 1 else ()) if v.strip())]
        latin = [n for n in names if n.isascii()]
        for name in names:
            pairs.append((normalize(name), canonical))
            if not latin and not name.isascii():
                pairs.append(("".join(lazy_pinyin(normalize(name), style=Style.NORMAL)), canonical))
    return tuple(sorted(set(pairs), key=lambda p: (-len(p[0]), p)))


def find_sport(text: str) -> str | None:
    best: tuple[int, str] | None = None
    for sport in sports():
        at = text.find(sport)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, sport)
    return best[1] if best else None


@cache
def _latin(surface: str) -> re.Pattern:
    """A Latin name as a whole word, its syllables written together or apart (zhangjiang, Zhang Jiang)."""
    syllables = split_syllables(surface) or (surface,)
    return re.compile(r"(?<![a-z])" + r"[\s']?".join(map(re.escape, syllables)) + r"(?![a-z])")


def find_district(text: str) -> str | None:
    for surface, canonical in districts():
        if not surface:
            continue
        if surface.isascii() and surface.isalpha():
            if _latin(surface).search(text):
                return canonical
        elif surface in text:
            return canonical
    return None


# How many people a booking is for, as residents say it (normalise has turned 两个人, 十个人 into
# 2个人, 10个人): 2个人, 3人, 两位, 一家三口, 我们俩, 咱仨, 我们4个, 我和老婆 (me and one other),
# "for 2 people", "for two".
MAX_PARTY = 50  # what POST /api/v1/bookings/ accepts; each court's own limit is the action's
_NUMERALS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10}
_NUMBER = r"\d{1,2}|[一两二三四五六七八九十]"
# 5人制 (a five-a-side pitch), 3人间, 2位数 are no party; 号/点/月 before a digit make it something else.
_PARTY_RE = re.compile(rf"(?<![\d号:：月.第])({_NUMBER})\s*{PEOPLE}(?![制间份次数])"
                       rf"|一家({_NUMBER})口")
_PAIR_RE = re.compile(r"(?:我们|咱们|咱|我|他们|她们|你们)(俩|仨)|(俩|仨)(?:个)?人")
# 我们4个, 阿拉三个 (阿拉: Shanghai's 我们): a count of "us" needs no 人 — unless 个 counts something else (我们2个场).
_WE_COUNT_RE = re.compile(rf"(?:我们|咱们|咱|阿拉|他们|她们)\s*({_NUMBER})\s*个(?![场号小钟月星礼球台时])")
_COMPANIONS = ("老婆", "老公", "爱人", "媳妇", "对象", "男朋友", "女朋友", "男友", "女友", "老伴", "朋友", "同事",
               "同学", "室友", "孩子", "儿子", "女儿", "爸爸", "妈妈", "爸", "妈", "父亲", "母亲", "哥哥", "姐姐",
               "弟弟", "妹妹", "闺蜜", "兄弟")
_COMPANION = "|".join(sorted(_COMPANIONS, key=len, reverse=True))
_COMPANION_RE = re.compile(_COMPANION)
_WITH_RE = re.compile(rf"我(?:和|跟|带着?|同|与|陪)((?:(?:我)?(?:{_COMPANION})(?:和|跟|还有|、|,)?)+)")
_EN_NUMBER = "|".join(_EN_NUMBERS)
_EN_PARTY_RE = re.compile(rf"(?<![a-z0-9])(\d{{1,2}}|{_EN_NUMBER})\s*(?:people|persons|players|adults|of us)(?![a-z])"
                          rf"|party of\s*(\d{{1,2}}|{_EN_NUMBER})(?![a-z0-9])"
                          # "a court for two" — not "for 2 hours", "for 2 pm", "for 3 days"
                          rf"|(?<![a-z])for\s+(\d{{1,2}}|{_EN_NUMBER})(?![a-z0-9:.])"
                          r"(?!\s*(?:hours?|hrs?|h|minutes?|mins?|days?|nights?|weeks?|months?|years?|o'?clock|am|pm|a\.m|p\.m"
                          r"|courts?|tables?|slots?|sessions?)(?![a-z]))")


def _number(word: str) -> int:
    if word.isdigit():
        return int(word)
    return _EN_NUMBERS.get(word) or _NUMERALS[word]


def _party_mentions(text: str) -> list[tuple[int, int, int]]:
    """(start, end, size) of every way the message says how many people, in order."""
    found = []
    for match in _PARTY_RE.finditer(text):
        found.append((match.start(), match.end(), _number(match.group(1) or match.group(2))))
    for match in _PAIR_RE.finditer(text):
        found.append((match.start(), match.end(), 2 if (match.group(1) or match.group(2)) == "俩" else 3))
    for match in _WE_COUNT_RE.finditer(text):
        found.append((match.start(), match.end(), _number(match.group(1))))
    for match in _WITH_RE.finditer(text):
        found.append((match.start(), match.end(), 1 + len(_COMPANION_RE.findall(match.group(1)))))
    for match in _EN_PARTY_RE.finditer(text):
        found.append((match.start(), match.end(), _number(match.group(1) or match.group(2) or match.group(3))))
    return [m for m in sorted(found) if 1 <= m[2] <= MAX_PARTY]


def find_party_size(text: str) -> int | None:
    """How many people the message says a booking is for (the resident included), or None."""
    found = _party_mentions(text)
    return found[0][2] if found else None


def without_party(text: str) -> tuple[int | None, str]:
    """The party size a message says and the message without the words that say it: 第一个 2个人 is
    (2, "第一个   "), so what is left can still pick one of the choices on offer."""
    found = _party_mentions(text)
    if not found:
        return None, text
    said = {at for start, end, _size in found for at in range(start, end)}  # the ways of saying it may overlap
    return found[0][2], "".join(" " if at in said else char for at, char in enumerate(text))


# 4号场, 五号场地, 3号台: a court (or table) by its number — not the 4th of the month (timeparse).
_COURT_RE = re.compile(r"(?<!\d)(\d{1,2})号(?:球场|场地|场|台|桌)")


def find_court(text: str) -> str | None:
    """The number of the court a message names, as digits without leading zeros."""
    match = _COURT_RE.search(text)
    return str(int(match.group(1))) if match else None


def extract_slots(message: Canonical, now: datetime | None = None) -> dict[str, str]:
    """Slots the message states: sport, date, time_from, time_to, district, party_size, court (absent
    when unsaid)."""
    slots: dict[str, str] = {}
    sport = find_sport(message.text)
    if sport:
        slots["sport"] = sport
    slots.update(parse_when(message.text, now).as_slots())
    district = find_district(message.original) or find_district(message.text)
    if district:
        slots["district"] = district
    party = find_party_size(message.original)
    if party:
        slots["party_size"] = str(party)
    court = find_court(message.original)
    if court:
        slots["court"] = court
    return slots
