"""Intent scoring over several channels, with accept / clarify / fallback thresholds.

Each intent is an :class:`IntentSpec` (declared by a skill): example phrases, weighted cue
keywords, negative cues. A message is normalised and canonicalised (lexicon, pinyin) first, so the
channels compare canonical words, then scored:

- **keywords** — cues found in the canonical text, combined as a noisy-or (several weak cues add
  up, one strong cue is enough). A cue can require several parts (``预约+{sport}``) and name slot
  classes (``{sport}``, ``{date}``, ``{time}``, ``{number}``), so "book" means venue booking only
  next to a sport or a court, and 订机票 stays out.
- **examples** — rapidfuzz ``process.extract`` (with ``score_cutoff``) of the message against every
  example phrase at once,
  on three channels: characters (``ratio``), words (``token_set_ratio`` on jieba tokens) and folded
  pinyin (``ratio`` on sounds). Only similarity above ``EXAMPLE_FLOOR`` counts.
- **negative cues** lower an intent (比赛 argues against booking a court).

``classify`` returns every intent's score, the decision (accept, clarify, fallback) and the slots.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process

from portal.nlu.lexicon import Canonical, Lexicon, default_lexicon, tokens
from portal.nlu.pinyin import sounds_of
from portal.nlu.slots import extract_slots, sports

ACCEPT = 0.6
CLARIFY = 0.38
MARGIN = 0.06  # two intents closer than this are both offered
EXAMPLE_FLOOR = 60.0
EXAMPLE_WEIGHT = 0.65
FALLBACK = "fallback"
_NUMBER_RE = re.compile(r"[a-z]{0,4}\d{6,}")


@dataclass(frozen=True)
class IntentSpec:
    name: str
    examples: tuple[str, ...] = ()
    keywords: Mapping[str, float] = field(default_factory=dict)
    negative: Mapping[str, float] = field(default_factory=dict)
    title: str = ""  # how a quick reply names it ("预约场地")
    smalltalk: bool = False  # greeting/thanks: only when the message says little else


@dataclass
class Decision:
    intent: str
    confidence: float
    outcome: str  # "accept" | "clarify" | "fallback"
    choices: list[tuple[str, float]]  # best first
    slots: dict[str, str]
    message: Canonical
    scores: dict[str, float]


@dataclass(frozen=True)
class _Cue:
    parts: tuple[str, ...]
    weight: float


class IntentClassifier:
    def __init__(self, specs: Iterable[IntentSpec], *, lexicon: Lexicon | None = None,
                 extra_examples: Iterable[tuple[str, str]] = ()):
        self.lexicon = lexicon or default_lexicon()
        self.specs = {spec.name: spec for spec in specs}
        self._cues: dict[str, list[_Cue]] = {}
        self._negative: dict[str, list[_Cue]] = {}
        for spec in self.specs.values():
            self._cues[spec.name] = [self._cue(k, w) for k, w in spec.keywords.items()]
            self._negative[spec.name] = [self._cue(k, w) for k, w in spec.negative.items()]
        self._index_cues()
        # Characters of the examples and cues teach the lexicon how lone pinyin syllables read here.
        self.lexicon.learn_chars([e for spec in self.specs.values() for e in spec.examples]
                                 + [k for spec in self.specs.values() for k in spec.keywords])
        owners: list[str] = []
        chars: list[str] = []
        words: list[str] = []
        sounds: list[str] = []
        examples = [(spec.name, e) for spec in self.specs.values() for e in spec.examples]
        examples += [(name, text) for text, name in extra_examples if name in self.specs]
        for name, example in examples:
            canonical = self.lexicon.canonicalize(example)
            owners.append(name)
            chars.append(canonical.text.replace(" ", ""))
            words.append(" ".join(tokens(canonical.text, self.lexicon)))
            sounds.append(sounds_of(canonical.text))
        self._owners, self._chars, self._words, self._sounds = owners, chars, words, sounds

    def _cue(self, expression: str, weight: float) -> _Cue:
        parts = []
        for part in expression.split("+"):
            part = part.strip()
            if not part.startswith("{"):
                part = self.lexicon.canonicalize(part).text.replace(" ", "")
            parts.append(part)
        return _Cue(tuple(parts), weight)

    @staticmethod
    def _present(part: str, text: str, slots: Mapping[str, str]) -> bool:
        if part == "{sport}":
            return "sport" in slots
        if part == "{date}":
            return "date" in slots
        if part == "{time}":
            return "time_from" in slots
        if part == "{district}":
            return "district" in slots
        if part == "{number}":
            return bool(_NUMBER_RE.search(text))
        if "{sport}" in part:
            return any(part.replace("{sport}", sport) in text for sport in sports())
        if part.isascii() and part.isalnum():  # a Latin cue is a whole word ("ct" is not in "cctv")
            return re.search(rf"(?<![a-z0-9]){re.escape(part)}(?![a-z0-9])", text) is not None
        return part in text

    def _index_cues(self) -> None:
        """Each cue filed under one of its parts (the longest literal one), so a message only
        evaluates the cues whose key part it contains — a few dozen of the ~1,000."""
        self._by_key: dict[str, list[tuple[str, _Cue, bool]]] = {}
        for name in self.specs:
            for negative, cues in ((False, self._cues.get(name, [])), (True, self._negative.get(name, []))):
                for cue in cues:
                    literals = [p for p in cue.parts if not p.startswith("{")]
                    key = max(literals, key=len) if literals else cue.parts[0]
                    self._by_key.setdefault(key, []).append((name, cue, negative))
        self._literal_keys = [k for k in self._by_key if not k.startswith("{")]
        self._slot_keys = [k for k in self._by_key if k.startswith("{")]

    def _keyword_scores(self, text: str, slots: Mapping[str, str]) -> dict[str, tuple[float, int]]:
        seen: dict[str, bool] = {}  # each distinct part is looked up once per message

        def present(part: str) -> bool:
            found = seen.get(part)
            if found is None:
                found = seen[part] = self._present(part, text, slots)
            return found

        hits: dict[str, list[tuple[_Cue, bool]]] = {}
        keys = [k for k in self._literal_keys if k in text and present(k)]
        keys += [k for k in self._slot_keys if present(k)]
        for key in keys:
            for name, cue, negative in self._by_key[key]:
                if all(present(p) for p in cue.parts):
                    hits.setdefault(name, []).append((cue, negative))
        out: dict[str, tuple[float, int]] = {}
        for name in self.specs:
            miss = 1.0
            used = 0
            negatives = []
            for cue, negative in hits.get(name, ()):
                if negative:
                    negatives.append(cue)
                    continue
                miss *= 1.0 - cue.weight
                used += sum(len(p) for p in cue.parts if not p.startswith("{"))
            for cue in negatives:  # negatives scale what the positive cues built
                miss = 1.0 - (1.0 - miss) * (1.0 - cue.weight)
            out[name] = (1.0 - miss, used)
        return out

    def _example_scores(self, message: Canonical) -> dict[str, float]:
        if not self._owners:
            return {}
        compact = message.text.replace(" ", "")
        words = " ".join(tokens(message.text, self.lexicon))
        sound = sounds_of(message.text)
        # process.extract with score_cutoff: only examples above the floor come back (C++ loop).
        channel_scores: dict[int, list[float]] = {}
        for position, (query, choices, scorer, weight) in enumerate((
            (compact, self._chars, fuzz.ratio, 0.45),
            (words, self._words, fuzz.token_set_ratio, 0.25),
            (sound, self._sounds, fuzz.ratio, 0.30),
        )):
            for _choice, score, index in process.extract(query, choices, scorer=scorer, limit=None,
                                                         score_cutoff=EXAMPLE_FLOOR * 0.8):
                channel_scores.setdefault(index, [0.0, 0.0, 0.0])[position] = score * weight
        best: dict[str, float] = {}
        for index, parts in channel_scores.items():
            value = sum(parts)
            owner = self._owners[index]
            if value > best.get(owner, 0.0):
                best[owner] = value
        return best

    def classify(self, text: str, *, now: datetime | None = None,
                 evidence: Mapping[str, float] | None = None) -> Decision:
        """Score every intent. ``evidence`` adds outside signals (e.g. a strong catalogue match
        for ``service.search``) as one more noisy-or cue."""
        message = self.lexicon.canonicalize(text)
        slots = extract_slots(message, now)
        keyword = self._keyword_scores(message.text, slots)
        examples = self._example_scores(message)
        length = len(message.text.replace(" ", ""))
        scores: dict[str, float] = {}
        for name, spec in self.specs.items():
            if name == FALLBACK:
                continue
            kw, used = keyword.get(name, (0.0, 0))
            ex = examples.get(name, 0.0)
            ex_part = EXAMPLE_WEIGHT * max(0.0, (ex - EXAMPLE_FLOOR) / (100.0 - EXAMPLE_FLOOR))
            score = 1.0 - (1.0 - kw) * (1.0 - ex_part)
            if evidence and name in evidence:
                score = 1.0 - (1.0 - score) * (1.0 - evidence[name])
            if spec.smalltalk and length - used > 4 and ex < 90:
                score *= 0.5  # "你好，我想订场" is not a greeting
            scores[name] = round(min(score, 1.0), 4)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best_name, best = ranked[0] if ranked else (FALLBACK, 0.0)
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        floor = max(CLARIFY * 0.75, best - 0.3)
        choices = [(n, s) for n, s in ranked if s >= floor][:4]
        if best >= ACCEPT and best - second >= MARGIN:
            outcome = "accept"
        elif best >= CLARIFY and len(choices) > 1:
            outcome = "clarify"
        elif best >= CLARIFY:
            outcome = "accept"  # nothing else comes close: a choice of one is no question to ask
        else:
            outcome = "fallback"
        if outcome == "fallback":
            choices = [(n, s) for n, s in ranked if s > 0.15][:3]
        intent = best_name if outcome != "fallback" else FALLBACK
        return Decision(intent, best, outcome, choices, slots, message, scores)


__all__ = ["ACCEPT", "CLARIFY", "Decision", "IntentClassifier", "IntentSpec"]
