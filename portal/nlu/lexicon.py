"""Domain lexicon: synonyms, old names, typos and English words → one canonical word.

Data lives in ``portal/nlu/data/`` (``synonyms.tsv``, ``english.tsv``, ``sports.tsv``,
``vocabulary.txt``) so editors extend it without touching code; the chat app adds the entries
editors make in the admin at run time (``Lexicon(extra=...)``).

``canonicalize`` walks the text once, longest match first, and replaces each span that is a known
surface form (exact, after normalisation) or that *sounds* like a known word (folded pinyin, see
``pinyin.py``) by its canonical word: 公基金 → 公积金, shebaoka → 社保卡, 驾照 → 驾驶证.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import jieba

from portal.nlu.data import DATA_DIR, read_lines, read_tsv
from portal.nlu.normalize import normalize
from portal.nlu.pinyin import Unit, char_sound, phrase_sounds, sound_key, units

# At import jieba sets its logger to DEBUG and gives it a stderr handler of its own, whatever
# LOGGING says: every start-up line came out twice and past the masking filter. Its messages go
# through the project's handlers, at the level settings give the "jieba" logger.
jieba.default_logger.removeHandler(jieba.log_console)
jieba.setLogLevel(logging.WARNING)

_MAX_SPAN = 10  # units; the longest lexicon phrase is shorter


@dataclass(frozen=True)
class Term:
    surface: str  # as typed (normalised)
    canonical: str
    start: int  # position in the canonical text
    end: int
    by_sound: bool = False


@dataclass
class Canonical:
    """A message after canonicalisation: ``text`` with known words replaced, and what matched."""

    original: str  # normalised input
    text: str
    terms: list[Term] = field(default_factory=list)

    def has(self, word: str) -> bool:
        return word in self.text

    @property
    def canonicals(self) -> set[str]:
        return {t.canonical for t in self.terms}


def default_synonyms() -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name in ("synonyms.tsv", "english.tsv"):
        for row in read_tsv(name):
            if len(row) >= 2:
                canonical = row[1]
                pairs.extend((variant.strip(), canonical) for variant in row[0].split("|") if variant.strip())
    for row in read_tsv("sports.tsv"):
        canonical = row[0]
        pairs.append((canonical, canonical))
        if len(row) > 1:
            pairs.extend((v.strip(), canonical) for v in row[1].split("|") if v.strip())
    return pairs


def default_vocabulary() -> list[str]:
    return list(read_lines("vocabulary.txt"))


class Lexicon:
    def __init__(self, synonyms: Iterable[tuple[str, str]] | None = None,
                 vocabulary: Iterable[str] | None = None,
                 extra: Iterable[tuple[str, str]] = ()):
        synonyms = list(default_synonyms() if synonyms is None else synonyms) + list(extra)
        vocabulary = list(default_vocabulary() if vocabulary is None else vocabulary)
        self.surface: dict[str, str] = {}
        # folded sound → [(canonical, surface it was learnt from)]
        self.sound: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for word in vocabulary:
            self._add(word, word)
        for variant, canonical in synonyms:
            self._add(variant, canonical)
            self._add(canonical, canonical)
        self._resolve()
        self._char_counts: dict[str, dict[str, int]] = {}
        self.learn_chars(list(self.surface) + list(self.surface.values()) + list(read_lines("question_words.txt")))
        span_lengths = {len(units(s)) for s in self.surface}
        self.max_span = min(_MAX_SPAN, max(span_lengths, default=1))
        # Only lengths some entry has are tried, longest first.
        self._lengths = sorted((n for n in span_lengths | {len(k) for k in self.sound} if n <= self.max_span),
                               reverse=True)
        self._segmenter: jieba.Tokenizer | None = None

    def _add(self, surface: str, canonical: str) -> None:
        surface = normalize(surface)
        canonical = normalize(canonical) if canonical else canonical
        if not surface:
            return
        # The first entry wins for a surface: synonyms.tsv is ordered from specific to general.
        self.surface.setdefault(surface, canonical)
        keys = {sound_key(surface)}
        if all("\u3400" <= c <= "\u9fff" for c in surface):
            keys.add(phrase_sounds(surface))  # how it is spelt when typed in pinyin
        for key in keys:
            if len(key) >= 2:
                bucket = self.sound.setdefault(key, [])
                if (canonical, surface) not in bucket:
                    bucket.append((canonical, surface))

    def _resolve(self) -> None:
        """A canonical word that is itself a variant elsewhere (English "bookings" → 预约记录, and
        预约记录 → 我的预约) points at the final word, so every spelling meets the same one."""
        for surface, canonical in list(self.surface.items()):
            seen = {surface}
            while canonical in self.surface and self.surface[canonical] != canonical and canonical not in seen:
                seen.add(canonical)
                canonical = self.surface[canonical]
            self.surface[surface] = canonical
        for bucket in self.sound.values():
            bucket[:] = [(self.surface.get(c, c), learnt) for c, learnt in bucket]

    def learn_chars(self, texts: Iterable[str]) -> None:
        """Count which character each sound most often is in domain text, so a pinyin syllable no
        word matched can still be read (yue ge lanqiu chang → 约个篮球场)."""
        for text in texts:
            for char in text:
                if "\u3400" <= char <= "\u9fff":
                    sound = char_sound(char)
                    if sound:
                        bucket = self._char_counts.setdefault(sound, {})
                        bucket[char] = bucket.get(char, 0) + 1
        self.char_for_sound = {sound: max(chars, key=chars.__getitem__) for sound, chars in self._char_counts.items()}

    @property
    def words(self) -> set[str]:
        """Every surface and canonical word (for the segmenter's user dictionary)."""
        return set(self.surface) | {c for c in self.surface.values() if c}

    def _sound_match(self, span: list[Unit], key: tuple, surface: str) -> str | None:
        candidates = self.sound.get(key)
        if not candidates:
            return None
        if all(not u.han for u in span):
            return candidates[0][0]  # typed in pinyin: the sound is all there is
        # Chinese characters: a homophone typo keeps at least one character of the word (公基金 vs
        # 公积金); two unrelated words that merely sound alike share none.
        best, best_shared = None, 0
        for canonical, learnt in candidates:
            shared = sum(1 for a, b in zip(surface, learnt, strict=False) if a == b)
            if shared > best_shared:
                best, best_shared = canonical, shared
        if best is None:
            return None
        if len(span) == 2 and any(not u.han for u in span):
            return best
        if len(span) == 2 and (best_shared < 1 or _is_word(surface)):
            return None  # 二台 is a word of its own, not a typo of 二胎
        return best

    def canonicalize(self, text: str, *, normalized: bool = False) -> Canonical:
        norm = text if normalized else normalize(text)
        us = units(norm)
        out: list[str] = []
        terms: list[Term] = []
        pos = 0  # length of output so far
        i = 0
        prev_end = 0
        sounds = [u.sound for u in us]
        boundaries: set[int] | None = None
        latin_sounded = sum(1 for u in us if not u.han and u.sound)
        latin_words = sum(1 for u in us if not u.han and u.sound is None and u.text.isalpha())
        pinyin_typed = latin_sounded >= 2 and latin_words <= latin_sounded // 3
        while i < len(us):
            # keep spaces that separated units in the input (not between syllables of typed pinyin)
            gap = norm[prev_end:us[i].start]
            if gap and pinyin_typed and i > 0 and us[i].sound and us[i - 1].sound:
                gap = ""
            if gap:
                out.append(gap)
                pos += len(gap)
            matched = False
            remaining = len(us) - i
            for length in self._lengths:
                if length > remaining:
                    continue
                span = us[i:i + length]
                surface = norm[span[0].start:span[-1].end]
                canonical = self.surface.get(surface)
                by_sound = False
                if canonical is None and length >= 2:
                    key = tuple(sounds[i:i + length])
                    if key in self.sound and None not in key:
                        # Latin pinyin typed with spaces ("she bao ka") reads as one word.
                        canonical = self._sound_match(span, key, surface.replace(" ", ""))
                        if canonical is not None and span[0].han:
                            # A mistyped word still sits where a word sits: 之前约 is 之前|约,
                            # so 前约 is not a typo of 签约.
                            if boundaries is None:
                                boundaries = _word_boundaries(norm)
                            if span[0].start not in boundaries or span[-1].end not in boundaries:
                                canonical = None
                        by_sound = canonical is not None
                if canonical is None:
                    continue
                out.append(canonical)
                terms.append(Term(surface, canonical, pos, pos + len(canonical), by_sound))
                pos += len(canonical)
                prev_end = span[-1].end
                i += length
                matched = True
                break
            if not matched:
                piece = us[i].text
                if pinyin_typed and not us[i].han and us[i].sound in self.char_for_sound:
                    piece = self.char_for_sound[us[i].sound]  # a lone syllable of a pinyin message
                out.append(piece)
                pos += len(piece)
                prev_end = us[i].end
                i += 1
        return Canonical(norm, "".join(out), terms)


_tokenizer_lock = threading.Lock()


def _word_boundaries(text: str) -> set[int]:
    """Offsets where jieba's general dictionary puts word edges."""
    edges = {0}
    for _word, _start, end in _base_tokenizer().tokenize(text, HMM=False):
        edges.add(end)
    return edges


def _is_word(text: str) -> bool:
    """A word of jieba's general dictionary (seen often enough to be meant as typed)."""
    return _base_tokenizer().FREQ.get(text, 0) >= 20


@cache
def _base_tokenizer() -> jieba.Tokenizer:
    """jieba with the default domain words, built once (loading jieba's dictionary takes ~1 s)."""
    with _tokenizer_lock:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in sorted(default_lexicon().words):
            if len(word) > 1 and " " not in word:
                tokenizer.add_word(word, freq=200000)
        return tokenizer


COMMON_CHARACTERS_FILE = DATA_DIR / "common_characters.txt"


@cache
def common_characters(count: int = 3500) -> tuple[str, ...]:
    """The ``count`` characters general Chinese uses most, alone or in words (by the frequencies of
    jieba's dictionary): about what the national list of commonly used characters (3,500) holds.
    Read from ``data/common_characters.txt``, which ``count_common_characters`` wrote (parsing
    jieba's dictionary takes ~0.8 s of every serving process's start; a test checks the file is
    still what the installed jieba gives)."""
    kept = tuple(COMMON_CHARACTERS_FILE.read_text(encoding="utf-8").replace("\n", ""))
    return kept[:count] if count <= len(kept) else count_common_characters(count)


def count_common_characters(count: int = 3500) -> tuple[str, ...]:
    """``common_characters`` counted from jieba's own dictionary (without the domain words)."""
    use: dict[str, int] = {}
    general = jieba.Tokenizer()  # jieba's own dictionary, without the domain words (_base_tokenizer adds them)
    for word, freq in general.gen_pfdict(general.get_dict_file())[0].items():
        for char in word:
            if char.isalnum() and not char.isascii():
                use[char] = use.get(char, 0) + freq
    return tuple(sorted(use, key=lambda c: (-use[c], c))[:count])


def _tokenizer(words: frozenset[str]) -> jieba.Tokenizer:
    """A tokenizer for a lexicon with extra words: a copy of the base one plus those words."""
    base = _base_tokenizer()
    extra = sorted(w for w in words if len(w) > 1 and " " not in w and w not in base.FREQ)
    if not extra:
        return base
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in extra:
        tokenizer.add_word(word, freq=200000)
    return tokenizer


def segmenter(lexicon: Lexicon | None = None) -> jieba.Tokenizer:
    """A jieba tokenizer with the domain words added, built once per vocabulary."""
    lexicon = lexicon or default_lexicon()
    if lexicon._segmenter is None:
        lexicon._segmenter = _tokenizer(frozenset(lexicon.words))
    return lexicon._segmenter


def tokens(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Words of a (canonical) text, HMM off: unknown words split into characters rather than
    guessed, which keeps matching predictable."""
    return [t for t in segmenter(lexicon).lcut(text, HMM=False) if t.strip()]


@cache
def default_lexicon() -> Lexicon:
    return Lexicon()


__all__ = ["DATA_DIR", "Canonical", "Lexicon", "Term", "common_characters", "count_common_characters",
           "default_lexicon", "segmenter", "tokens"]
