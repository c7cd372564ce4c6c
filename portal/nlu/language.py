"""Which language a message is written in, so its reply can be given in it (docs/chat.md, "Reply
language"). Pure Python, no Django.

A message is *English* when it is mostly English words: at least two of them, more English words
than Chinese characters, and at least half of its Latin words English. A Latin word is English when
it is an English word of ``data/english.tsv`` or of the small list of function words below, or when
it cannot be read as pinyin syllables at all — so "zhangjiang", "shebaoka buban" and "wo xiang yue
yumaoqiu" are Chinese typed in Latin letters, not English. A message with Chinese characters that is
not English is *Chinese*, and so is typed pinyin (two or more syllable words, few English ones).
Anything else — "ok", "hi", "yes", "in zhangjiang", a number, a tapped payload — says nothing
about the language (``None``): the conversation keeps the language it has.
"""

from __future__ import annotations

import re
from functools import cache

from portal.nlu.data import read_tsv
from portal.nlu.normalize import normalize
from portal.nlu.pinyin import split_syllables

ENGLISH = "en"
CHINESE = "zh"

HAN = re.compile(r"[\u3400-\u9fff]")  # a Chinese character
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# English words that also spell pinyin syllables (a, an, he, me, can, you, long …): without them
# "can you book a court" would read as half pinyin.
_FUNCTION_WORDS = frozenset("""
a an and are as at be but by can do for from go he her him his how i if in is it its let me men my
no not of on or our please she so that the them then there they this to up us we what when where which
who why will with would you your yours long ban bang change gang hang pin fan sun den ten ting wan wei
""".split())


@cache
def _english_words() -> frozenset[str]:
    words = set(_FUNCTION_WORDS)
    for row in read_tsv("english.tsv"):
        for phrase in row[0].split("|"):
            words.update(_LATIN_WORD.findall(phrase.lower()))
    return frozenset(words)


def _is_english(word: str) -> bool:
    return word in _english_words() or split_syllables(word.replace("'", "")) is None


def written_in(text: str) -> str | None:
    """``"en"``, ``"zh"`` or ``None`` (cannot tell) for one message as typed."""
    if text.lstrip().startswith(("#", "＃")):
        return None  # a quick reply's or a card's payload, not something typed
    norm = normalize(text).lower()
    han = len(HAN.findall(norm))
    words = _LATIN_WORD.findall(norm)
    english = sum(1 for word in words if _is_english(word))
    if english >= 2 and english > han and 2 * english >= len(words):
        return ENGLISH
    if han:
        return CHINESE
    if len(words) - english >= 2 and english * 3 <= len(words):
        return CHINESE  # typed pinyin
    return None


__all__ = ["CHINESE", "ENGLISH", "HAN", "written_in"]
