"""Text normalisation: what residents type → one comparable form.

NFKC (full-width → half-width), traditional → simplified (OpenCC ``t2s``), case folding, a few
meaningful emoji turned into words, other emoji and punctuation dropped as noise, and Chinese
numerals turned into digits where a unit follows (七点 → 7点, 十一月三号 → 11月3号), so the time
parser and the matchers see one spelling.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from portal.nlu.data import read_tsv

_T2S = opencc.OpenCC("t2s")

# Characters kept between digits (19:00, 8-10, 8~10, 11/3, 3.5) — elsewhere they are noise.
_DIGIT_JOINERS = ":-~/."
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# A numeral is turned into digits only when one of these follows (一网通办, 一件事 stay as they are).
_NUMERAL_RE = re.compile(
    r"([零〇一二两三四五六七八九十百千]+)(?=(点|点钟|号|日|月|时|分|岁|个|天|周|小时|分钟|人|次|年|半|:))"
)
# 快一点, 早一点, 多一点: "a little", not one o'clock.
_A_LITTLE_BEFORE = set("快慢早晚多少好大小有差近远再")


def _emoji_words() -> dict[str, str]:
    return dict(read_tsv("emoji.tsv"))


_EMOJI = _emoji_words()


def cn_to_int(numeral: str) -> int | None:
    """十一 → 11, 二十三 → 23, 两 → 2, 一百二十 → 120, 二〇二六 → 2026; None if not a numeral."""
    if not numeral:
        return None
    if all(c in _CN_DIGITS for c in numeral) and len(numeral) > 1:
        return int("".join(str(_CN_DIGITS[c]) for c in numeral))
    total, current = 0, 0
    for char in numeral:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            unit = _CN_UNITS[char]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def numerals_to_digits(text: str) -> str:
    def replace(match: re.Match) -> str:
        numeral = match.group(1)
        start = match.start(1)
        if numeral == "一" and match.group(2) in ("点", "点钟") and start > 0 and text[start - 1] in _A_LITTLE_BEFORE:
            return numeral
        # 周一/星期一/礼拜一 followed by a unit-like character (周一天) stays a weekday.
        if (start > 0 and text[max(0, start - 2):start] in ("星期", "礼拜")) or (start > 0 and text[start - 1] == "周"):
            return numeral
        value = cn_to_int(numeral)
        return str(value) if value is not None else numeral

    return _NUMERAL_RE.sub(replace, text)


def _keep(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LN" or char.isspace()


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """The comparable form of a message: simplified, half-width, lower case, no noise."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _T2S.convert(text)
    text = text.casefold()
    out: list[str] = []
    length = len(text)
    for i, char in enumerate(text):
        if char in _EMOJI:
            out.append(f" {_EMOJI[char]} ")
        elif _keep(char):
            out.append(char)
        elif char in _DIGIT_JOINERS and 0 < i < length - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            out.append(char)
        elif char in "~-" and 0 < i < length - 1 and text[i - 1] in "点时分半":
            # 8点~10点, 八点-十点: a range between two times; kept as 到.
            out.append("到")
        else:
            out.append(" ")
    text = numerals_to_digits("".join(out))
    return " ".join(text.split())


def without_emoji(text: str) -> str:
    """The text with the emoji ``normalize`` reads as words left out: what a resident asks about is
    in their words (🙏 社保卡丢了 asks about 社保卡, not 谢谢)."""
    return "".join(" " if char in _EMOJI else char for char in text or "")


def compact(text: str) -> str:
    """Without spaces between Chinese characters (spaces still separate Latin words)."""
    return re.sub(r"(?<=[^\sa-z0-9]) | (?=[^\sa-z0-9])", "", text)
