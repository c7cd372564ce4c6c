"""The pinyin channel: toneless pinyin with confusable sounds folded together.

Residents type homophones (公基金 for 公积金, 设保卡 for 社保卡) and toneless pinyin ("shebaoka").
Both become the same folded syllables, so a lexicon lookup by sound finds the intended word.
Folding merges what southern speakers and quick typists mix up: zh/z, ch/c, sh/s, n/l, f/h
(initials) and ing/in, eng/en, ang/an (finals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from portal.nlu.data import read_lines

SYLLABLES: frozenset[str] = frozenset(read_lines("pinyin_syllables.txt"))
_MAX_SYLLABLE = max(len(s) for s in SYLLABLES)
_HAN = r"\u3400-\u9fff"
_RUN_RE = re.compile(rf"[{_HAN}]+|[a-z]+|[0-9]+(?:[:.][0-9]+)?|\S")


@lru_cache(maxsize=1024)
def fold(syllable: str) -> str:
    """One toneless syllable → its folded form (shang → san, neng → len, fei → hei)."""
    s = syllable
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif s.startswith("n") and len(s) > 1:
        s = "l" + s[1:]
    elif s.startswith("f"):
        s = "h" + s[1:]
    for full, short in (("ing", "in"), ("eng", "en"), ("ang", "an")):
        if s.endswith(full):
            s = s[: -len(full)] + short
            break
    return s


@lru_cache(maxsize=4096)
def split_syllables(word: str) -> tuple[str, ...] | None:
    """Latin letters → pinyin syllables ("shebaoka" → she bao ka), fewest syllables; None if
    the word is not pinyin (English words mostly are not)."""
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_SYLLABLE), end):
            prefix = best[start]
            piece = word[start:end]
            if prefix is not None and piece in SYLLABLES:
                candidate = (*prefix, piece)
                current = best[end]
                # Fewest syllables; on a tie the longer early syllables (dang'an, not dan'gan), as
                # pinyin input methods read it.
                if current is None or (len(candidate), [-len(x) for x in candidate]) < (
                        len(current), [-len(x) for x in current]):
                    best[end] = candidate
    return best[n]


@dataclass(frozen=True, slots=True)
class Unit:
    """One reading unit of a text: a Chinese character, a pinyin syllable typed in Latin letters,
    a number or another word. ``sound`` is the folded syllable (None for numbers and words)."""

    start: int
    end: int
    text: str
    sound: str | None
    han: bool


def units(text: str) -> list[Unit]:
    """Split normalised text into units with their folded sounds."""
    out: list[Unit] = []
    for match in _RUN_RE.finditer(text):
        run, start = match.group(0), match.start()
        if "\u3400" <= run[0] <= "\u9fff":
            for i, char in enumerate(run):
                out.append(Unit(start + i, start + i + 1, char, char_sound(char), True))
        elif run.isalpha() and run.isascii():
            syllables = split_syllables(run) if len(run) > 1 or run in SYLLABLES else None
            if syllables and len(syllables) <= max(1, len(run) // 2):
                pos = start
                for syl in syllables:
                    out.append(Unit(pos, pos + len(syl), syl, fold(syl), False))
                    pos += len(syl)
            else:
                out.append(Unit(start, start + len(run), run, None, False))
        else:
            out.append(Unit(start, start + len(run), run, None, False))
    return out


@lru_cache(maxsize=30_000)
def char_sound(char: str) -> str | None:
    """Folded sound of one Chinese character in its most common reading. Characters are read
    one by one (no phrase context): fast, and the same on both sides of every comparison."""
    sound = lazy_pinyin(char, style=Style.NORMAL)[0]
    return fold(sound) if sound.isalpha() and sound.isascii() else None


def phrase_sounds(text: str) -> tuple[str, ...]:
    """Folded sounds of a Chinese phrase read in context (银行 → yin han(g)), as someone typing
    pinyin would spell it; empty if a character has no reading."""
    sounds = lazy_pinyin(text, style=Style.NORMAL)
    if len(sounds) != len(text) or not all(s.isalpha() and s.isascii() for s in sounds):
        return ()
    return tuple(fold(s) for s in sounds)


@lru_cache(maxsize=8192)
def sound_key(text: str) -> tuple[str, ...]:
    """Folded syllables of a phrase (Chinese or pinyin); empty when some part has no sound."""
    result = []
    for unit in units(text):
        if unit.sound is None:
            return ()
        result.append(unit.sound)
    return tuple(result)


def sounds_of(text: str) -> str:
    """The folded pinyin of a whole text as one string of syllables (for fuzzy comparison)."""
    return " ".join(u.sound or u.text for u in units(text))
