"""The item matcher: one search code path for the 一网通办 catalogue.

Used by the chat skill ``service.search`` and by ``GET /api/v1/services/items/?q=``. Pure Python,
no Django: the services app turns its rows into :class:`ItemDoc` and calls :meth:`ItemMatcher.rebuild`
when the catalogue changes.

How a question finds its item
-----------------------------
1. The question is normalised and canonicalised with the domain lexicon (暂住证 → 居住证, 公基金 →
   住房公积金, shebaoka → 社会保障卡), then split into *terms*: words that name the matter, with the
   question's own words (怎么办, 需要什么, 去哪里) dropped. Colloquial words get official
   alternatives from ``data/item_expansions.tsv`` (网吧 → 互联网上网服务营业场所, 丢了 → 补办/补领).
2. Pre-filter: an inverted index of character bigrams and folded-pinyin bigrams (the sound channel
   tolerates typos in words no lexicon knows) accumulates IDF-weighted evidence; only the best
   ``candidates`` items are scored further, and very common grams are skipped while rarer ones
   exist — so cost grows with the postings of the rare grams, not with the catalogue.
3. Score (0–100) = how much of the question the item covers (each term by its best alternative,
   IDF-weighted, over name/aliases/keywords/category/extra/department with field weights) + how
   much of the item's name the question covers (so "残疾证第一次办" prefers 残疾人证新办 over a long
   variant) + a small rapidfuzz ``partial_ratio`` term on the names.

This is written here rather than taken from a search engine library because the hard part is
Chinese-specific (lexicon, sound folding, colloquial expansions); rapidfuzz does the string
scoring and jieba the segmentation.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from portal.nlu.data import read_lines, read_tsv
from portal.nlu.lexicon import Lexicon, default_lexicon, tokens
from portal.nlu.normalize import normalize
from portal.nlu.pinyin import char_sound


@dataclass(frozen=True)
class ItemDoc:
    """One searchable catalogue item."""

    id: int | str
    name: str
    aliases: Sequence[str] = ()
    keywords: Sequence[str] = ()
    department: str = ""
    category: str = ""
    extra: str = ""  # life events, a short description …


@dataclass
class ItemMatch:
    id: int | str
    name: str
    score: float  # 0–100, higher is better
    matched: list[str] = field(default_factory=list)  # query terms that matched (for highlights)


FIELD_WEIGHTS = {"name": 1.0, "aliases": 1.0, "keywords": 0.85, "category": 0.5, "extra": 0.45, "department": 0.35}
SOUND_WEIGHT = 0.7  # a term found only by its sound counts this much
DEFAULT_MIN_SCORE = 20.0
VARIANT_PENALTY = 3.0
_SPLIT_RE = re.compile(r"\s+")


@cache
def question_words() -> frozenset[str]:
    return frozenset(read_lines("question_words.txt"))


def _expansions() -> list[tuple[str, tuple[str, ...]]]:
    pairs = []
    for row in read_tsv("item_expansions.tsv"):
        if len(row) < 2:
            continue
        targets = tuple(normalize(t) for t in row[1].split() if t.strip())
        pairs.extend((normalize(trigger), targets) for trigger in row[0].split("|") if trigger.strip())
    pairs.sort(key=lambda p: -len(p[0]))
    return pairs


def char_grams(text: str) -> list[str]:
    """Bigrams within each space-separated chunk; a one-character chunk is its own gram."""
    grams: list[str] = []
    for chunk in _SPLIT_RE.split(text):
        if not chunk:
            continue
        if len(chunk) == 1:
            grams.append(chunk)
        else:
            grams.extend(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return grams


def _char_sound(char: str) -> str | None:
    return char_sound(char) if "\u3400" <= char <= "\u9fff" else None


def sound_grams(text: str) -> list[str]:
    """Bigrams of folded syllables of consecutive Chinese characters, prefixed with ``~``.
    Characters are read one by one (no phrase context) so that item and question agree."""
    grams: list[str] = []
    previous = None
    for char in text:
        sound = _char_sound(char)
        if sound is not None and previous is not None:
            grams.append(f"~{previous}{sound}")
        previous = sound
    return grams


@dataclass
class _Term:
    surface: str
    alternatives: list[list[str]]  # char-gram lists; the first is what was typed
    sound: list[str]
    weight: float = 0.0


class ItemMatcher:
    def __init__(self, docs: Iterable[ItemDoc] = (), *, lexicon: Lexicon | None = None, candidates: int = 40):
        self.lexicon = lexicon or default_lexicon()
        self.candidates = candidates
        self._question_words = question_words()
        self._expansions = _expansions()
        self._trigger_re = re.compile("|".join(re.escape(t) for t, _ in self._expansions)) if self._expansions \
            else None
        self._expansion_map = dict(self._expansions)
        self.rebuild(docs)

    # --- index ------------------------------------------------------------------------------
    def rebuild(self, docs: Iterable[ItemDoc]) -> None:
        self.docs: list[ItemDoc] = list(docs)
        self.names: list[str] = []
        self._name_grams: list[tuple[str, ...]] = []
        postings: dict[str, dict[int, float]] = {}
        for index, doc in enumerate(self.docs):
            name = self._canonical(doc.name)
            self.names.append(name)
            self._name_grams.append(tuple(set(char_grams(name))))
            for field_name, weight in FIELD_WEIGHTS.items():
                value = getattr(doc, field_name)
                texts = [value] if isinstance(value, str) else list(value)
                for text in texts:
                    if not text:
                        continue
                    canonical = name if field_name == "name" else self._canonical(text)
                    for gram in set(char_grams(canonical)) | set(sound_grams(canonical)):
                        slot = postings.setdefault(gram, {})
                        if slot.get(index, 0.0) < weight:
                            slot[index] = weight
        self._postings = postings
        n = max(1, len(self.docs))
        self._idf = {g: math.log(1 + n / len(p)) for g, p in postings.items()}
        self._idf_unknown = math.log(1 + n)
        self._common_df = max(200, n // 8)
        self._choices = dict(enumerate(self.names))
        variants = [normalize(w) for w in read_lines("item_variants.txt")]
        variant_grams = {w: tuple(char_grams(w)) for w in variants}
        self._variants = [tuple(variant_grams[w] for w in variants if w in name) for name in self.names]
        self._name_weights = [
            (sum(self._idf[g] for g in grams) or 1.0, {g: self._idf[g] for g in grams}) for grams in self._name_grams
        ]
        tokens("预热", self.lexicon)  # build the segmenter now, not on the first question

    @staticmethod
    @lru_cache(maxsize=200_000)
    def _canonical_cached(lexicon: Lexicon, text: str) -> str:
        return lexicon.canonicalize(text).text

    def _canonical(self, text: str) -> str:
        return self._canonical_cached(self.lexicon, text)

    def idf(self, gram: str) -> float:
        return self._idf.get(gram, self._idf_unknown)

    # --- query ------------------------------------------------------------------------------
    def _terms(self, query: str) -> list[_Term]:
        canonical = self._canonical(query)
        pieces: list[tuple[str, bool]] = []  # (text, is_trigger)
        last = 0
        if self._trigger_re is not None:
            for match in self._trigger_re.finditer(canonical):
                pieces.append((canonical[last:match.start()], False))
                pieces.append((match.group(0), True))
                last = match.end()
        pieces.append((canonical[last:], False))
        terms: list[_Term] = []
        for text, is_trigger in pieces:
            if not text.strip():
                continue
            if is_trigger:
                alternatives = [char_grams(text)] + [char_grams(t) for t in self._expansion_map[text]]
                terms.append(_Term(text, alternatives, sound_grams(text)))
                continue
            for token in tokens(text, self.lexicon):
                if token in self._question_words or not token.strip():
                    continue
                if len(token) == 1 and not ("\u3400" <= token <= "\u9fff" or token.isalnum()):
                    continue
                terms.append(_Term(token, [char_grams(token)], sound_grams(token)))
        for term in terms:
            term.weight = sum(self.idf(g) for g in term.alternatives[0]) / max(1, len(term.alternatives[0])) \
                * math.sqrt(max(1, len(term.alternatives[0])))
            if len(term.surface) == 1:
                term.weight *= 0.5  # a lone character says little about the item
        return terms

    def _prefilter(self, terms: list[_Term]) -> list[int]:
        grams: dict[str, float] = {}
        for term in terms:
            for alt in term.alternatives:
                for gram in alt:
                    grams[gram] = max(grams.get(gram, 0.0), self.idf(gram))
            for gram in term.sound:
                grams[gram] = max(grams.get(gram, 0.0), self.idf(gram) * SOUND_WEIGHT)
        present = [(g, w) for g, w in grams.items() if g in self._postings]
        rare = [(g, w) for g, w in present if len(self._postings[g]) <= self._common_df]
        use = rare if rare else present
        acc: dict[int, float] = {}
        for gram, weight in use:
            for doc, field_weight in self._postings[gram].items():
                acc[doc] = acc.get(doc, 0.0) + weight * field_weight
        if len(acc) <= self.candidates:
            return list(acc)
        return heapq.nlargest(self.candidates, acc, key=acc.__getitem__)

    def _cover(self, grams: list[str], candidates: list[int], cand_set: set[int]) -> dict[int, float]:
        """Share (IDF-weighted) of ``grams`` each candidate contains, field weights applied."""
        total = 0.0
        got: dict[int, float] = {}
        for gram in grams:
            weight = self.idf(gram)
            total += weight
            posting = self._postings.get(gram)
            if not posting:
                continue
            if len(posting) <= len(candidates):
                for doc, field_weight in posting.items():
                    if doc in cand_set:
                        got[doc] = got.get(doc, 0.0) + weight * field_weight
            else:
                for doc in candidates:
                    field_weight = posting.get(doc)
                    if field_weight:
                        got[doc] = got.get(doc, 0.0) + weight * field_weight
        if not total:
            return {}
        return {doc: value / total for doc, value in got.items()}

    def search(self, query: str, limit: int = 10, *, min_score: float | None = None) -> list[ItemMatch]:
        if not self.docs or not query or not query.strip():
            return []
        min_score = DEFAULT_MIN_SCORE if min_score is None else min_score
        terms = self._terms(query)
        if not terms:
            return []
        candidates = self._prefilter(terms)
        if not candidates:
            return []
        total_weight = sum(t.weight for t in terms) or 1.0
        all_grams = {g for t in terms for alt in t.alternatives for g in alt}
        core = "".join(t.surface for t in terms)
        fuzzy = {key: score for _, score, key in process.extract(
            core, {i: self.names[i] for i in candidates}, scorer=fuzz.partial_ratio, limit=None, score_cutoff=40)}
        # Coverage of every term by every candidate, walking each gram's postings once.
        cand_set = set(candidates)
        covered_by: dict[int, float] = dict.fromkeys(candidates, 0.0)
        matched_by: dict[int, list[str]] = {d: [] for d in candidates}
        for term in terms:
            best: dict[int, float] = {}
            for alt in term.alternatives:
                for doc, value in self._cover(alt, candidates, cand_set).items():
                    if value > best.get(doc, 0.0):
                        best[doc] = value
            if term.sound:
                for doc, value in self._cover(term.sound, candidates, cand_set).items():
                    value *= SOUND_WEIGHT
                    if value > best.get(doc, 0.0) and best.get(doc, 0.0) < 0.5:
                        best[doc] = value
            for doc, value in best.items():
                covered_by[doc] += term.weight * value
                if value >= 0.5:
                    matched_by[doc].append(term.surface)
        results: list[ItemMatch] = []
        for doc in candidates:
            matched = matched_by[doc]
            covered = covered_by[doc]
            query_cover = covered / total_weight
            name_total, name_idf = self._name_weights[doc]
            name_cover = sum(w for g, w in name_idf.items() if g in all_grams) / name_total
            score = 100.0 * (0.68 * query_cover + 0.24 * name_cover) + 0.08 * fuzzy.get(doc, 0.0)
            # A step the question did not ask for (注销, 变更, 补办 …) puts the item behind the plain one.
            unasked = sum(1 for grams in self._variants[doc] if not all(g in all_grams for g in grams))
            score -= VARIANT_PENALTY * min(unasked, 2)
            if score >= min_score:
                item = self.docs[doc]
                results.append(ItemMatch(item.id, item.name, round(score, 2), matched))
        results.sort(key=lambda m: (-m.score, len(m.name)))
        return results[:limit]

    def suggest(self, query: str, limit: int = 3) -> list[str]:
        """"Did you mean" names when nothing fits well: the best partial matches, then names
        that merely look alike."""
        names = [m.name for m in self.search(query, limit=limit, min_score=12.0)]
        if len(names) < limit and self.docs:
            core = self._canonical(query)
            for _name, _score, index in process.extract(core, self._choices, scorer=fuzz.WRatio, limit=limit * 2,
                                                       score_cutoff=45):
                original = self.docs[index].name
                if original not in names:
                    names.append(original)
                if len(names) >= limit:
                    break
        return names[:limit]
