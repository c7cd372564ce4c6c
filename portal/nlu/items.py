"""The item matcher: one search code path for the 一网通办 catalogue.

Used by the chat skill ``service.search`` and by ``GET /api/v1/services/items/?q=``. Pure Python,
no Django: the services app turns its rows into :class:`ItemDoc` and calls :meth:`ItemMatcher.rebuild`
when the catalogue changes.

How a question finds its item
-----------------------------
A question says two things: the *matter* (身份证, 社保卡, 狗, 公积金) and, often, the *step* wanted
(丢了 → 补办, 到期了 → 换领/延续, 不开了 → 注销, 转回来 → 转移接续). Official names say both in
their own words, and items of one matter differ mostly by their step. So the two are read apart:

1. The question is normalised and canonicalised with the domain lexicon (暂住证 → 居住证, 公基金 →
   住房公积金, shebaoka → 社会保障卡); the words as typed stay searchable beside the canonical ones
   (看门诊 keeps 门诊, not only 就诊). Step words are taken out with ``data/item_actions.tsv``
   (everyday verb → step class); the rest is split into *terms* that name the matter, with the
   question's own words (怎么办, 需要什么, 去哪里) dropped. Colloquial words get official
   alternatives from ``data/item_expansions.tsv`` (狗 → 犬, 网吧 → 互联网上网服务营业场所) and the official
   classes of ``data/item_classes.tsv`` (血糖仪 → 医疗器械, 挖沙 → 采砂).
   Single characters are terms too (狗, 树), matched against single characters of names; a run of
   lone characters is also read as one piece (typed pinyin that no word matched: li hun → 离婚).
2. Pre-filter: an inverted index of characters, character bigrams and folded-pinyin bigrams (the
   sound channel tolerates typos in words no lexicon knows) accumulates IDF-weighted evidence; only
   the best ``candidates`` items are scored further, and very common grams are skipped while rarer
   ones exist — so cost grows with the postings of the rare grams, not with the catalogue.
3. Score (0–100) = how much of the question's matter the item covers (each term by its best
   alternative, IDF-weighted, over name/aliases/keywords/category/extra/department with field
   weights; a word the catalogue does not contain at all weighs little, so chatter around the matter
   does not drown it) + how much of the item's name the question covers (so "残疾证第一次办" prefers
   残疾人证新办 over a long variant) + a small rapidfuzz ``partial_ratio`` term on the names
   + agreement of steps: an item whose step was asked gains, an item with a step the question did not
   ask for (注销, 变更, 补办 …) comes after the plain one (finer rules — directions of a transfer,
   families of steps offered together, steps said as already taken — with ``data/item_actions.tsv``)
   ± qualifiers (an employer's, a minor's, a non-company's item for a question that does not say so).

This is written here rather than taken from a search engine library because the hard part is
Chinese-specific (lexicon, sound folding, colloquial expansions, step words); rapidfuzz does the
string scoring and jieba the segmentation.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from portal.nlu.data import DATA_DIR, read_lines, read_tsv
from portal.nlu.lexicon import Canonical, Lexicon, common_characters, default_lexicon, segmenter, tokens
from portal.nlu.normalize import normalize
from portal.nlu.pinyin import char_sound

if TYPE_CHECKING:
    from portal.nlu.semantic import Encoder


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
    frequent: bool = False  # 高频事项: first among near-equal matches of a question naming one matter only


@dataclass
class ItemMatch:
    id: int | str
    name: str
    score: float  # 0–100, higher is better
    # Words of the matter that matched, and a step word the name has as written (for highlights).
    matched: list[str] = field(default_factory=list)
    # Pieces of the name the question covered, in any reading (提取 for 取出来): highlights only.
    shown: list[str] = field(default_factory=list)


FIELD_WEIGHTS = {"name": 1.0, "aliases": 1.0, "keywords": 0.85, "category": 0.5, "extra": 0.45, "department": 0.35}
CHAR_FIELDS = ("name", "aliases", "keywords")  # single characters are indexed in these only
EMBEDDED_WEIGHT = 0.75  # a word found in a name only inside another word (身份证 in 身份证明)
EXPANSION_WEIGHT = 0.85  # an official word added for a colloquial one (狗 → 犬): a reading, not what was said
SYNONYM_WEIGHT = 0.85  # a name matched only through its canonical form (居住登记 read as 居住证)
SOUND_WEIGHT = 0.7  # a term found only by its sound counts this much
THESAURUS_WEIGHT = 0.6  # a general thesaurus's synonym of a word said (房子 → 房屋): weaker than an expansion
TYPO_WEIGHT = 0.6  # the typed form of a word the lexicon recognised by its sound (公基金)
LONE_CHAR_WEIGHT = 0.6  # a lone character says less about the item than a word
UNKNOWN_TERM_WEIGHT = 0.8  # a word no item contains: it cannot rank, it only dilutes a little
QUERY_COVER_WEIGHT = 0.68  # how much of the question the item covers
NAME_COVER_WEIGHT = 0.24  # how much of the item's name the question covers
FUZZY_WEIGHT = 0.08  # rapidfuzz partial_ratio (0–100) of the question's words against the name
DEFAULT_MIN_SCORE = 20.0
# The semantic reordering (``semantic.py``): lexical score + this × 100 × cosine likeness, over the
# best SEMANTIC_POOL lexical matches. 5 for both readings of the question: for its words' sum 4–6 were
# alike on the development sets (such vectors are less spread); for the whole sentence 3 and 5 were
# alike there while the blind writers' sets 7–9, once seen, favoured 5 (3 before them).
SEMANTIC_WEIGHT = 5.0
SEMANTIC_POOL = 30
# A lexical lead of this many points is kept without asking the model: on every development set the
# whole gain came from questions with a smaller lead (about half of them; bench/item_semantic.py).
SEMANTIC_SURE = 10.0
# A question that names one matter and nothing else (驾照, 户口怎么办, 我想问下公积金) fits many items
# about equally; among the matches within this many points of the best, the catalogue's frequent
# items (高频事项, set by its editors) whose name has the matter's word come first (an alias alone —
# 给狗上户口 for 犬只登记 — does not make 户口 its matter). A question saying more (a step, who, which
# office, a second word of the matter) is ranked by what it says.
FREQUENT_BAND = 15.0
# A question asking which procedures a life event takes (宝宝刚出生要办哪些手续, 老人去世了要办哪些事) is
# answered by the catalogue's “一件事” bundle (出生一件事, 身后事一件事) when one is among the near-best
# (FREQUENT_BAND) matches, ahead of its single steps: the bundle is the list asked for.
ALL_STEPS_ASKED = re.compile(r"哪些(?:手续|事|证)|什么手续都|都(?:要|得|需要)办(?:哪些|什么|啥)|全部手续")
BUNDLE_MARK = "一件事"
NEW_ONLY = frozenset({"new"})  # the step class of 办个, 新办, 第一次 (item_actions.tsv)
READING_INFORMATION_POWER = 0.5  # a reading less telling than the word's best counts (its share) ** this
STEP_TERM_WEIGHT = 1.6  # a step word searched as a word (停业登记 is named by its step); a matter word ~4–8
STEP_BONUS = 6.0  # the item's step is the one asked
STEP_CLASS_AGREEMENT = 0.6  # the item names the asked step in other words (丢了 → 补领)
STEP_PENALTY = 4.0  # per step word of the item the question did not ask for (at most two)
WEAK_MODE_AGREEMENT = 0.5  # agreement by a mode only (开 → 新增) when a later step was asked too (换新)
FIRST_GRANT = frozenset({"new"})  # the mode of a first grant (设立, 新办, 核发)
FURTHER_STEP_AGREEMENT = 0.5  # per further asked step the item says (注销抵押 for 解除抵押: cancel and mortgage)
EXTRA_STEP_FACTOR = 0.5  # share of the penalty for an unasked step when the item also has the asked one
STEP_ONLY_FACTOR = 0.2  # a question that is only a step word (补换) fits no item well
DEPARTMENT_BONUS = 10.0  # an item of the department the question names (税务上, 去派出所, 找人社)
QUALIFIER_PENALTY = 3.0  # per qualifier of the item the question did not say (单位)
QUALIFIER_AGREEMENT = 1.5  # per qualifier of the item the question said (未满十八岁 for 孩子)
NEGATIONS = frozenset({"不是", "并非", "不属于", "并不是"})  # the word after one is read as 非 + word
NEGATIONS_TUPLE = tuple(NEGATIONS)
# A step word after one of these is not asked (但不注销, 还没过期, 不想换).
STEP_NEGATIONS = ("不", "没", "没有", "不想", "不要", "不用", "不必", "无需", "不需要", "别", "不打算", "并不")
AFTER = ("后", "以后", "之后", "过后", "了以后", "了之后", "完以后")  # a step said before one of these is past
_SPLIT_RE = re.compile(r"\s+")
_PARENTHESES_RE = re.compile(r"[(（][^)）]*[)）]")
ADMINISTRATIVE_WORDS = ("登记", "报告", "申请", "审批", "备案", "办理")  # what every name may end with
STEP_NAMED_COVER = 0.5  # share of the matter an item named by its step covers when its department is named


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


@cache
def question_words() -> frozenset[str]:
    return frozenset(read_lines("question_words.txt"))


DEPARTMENTS_FILE = "item_departments.tsv"  # departments as residents name them (税务上, 派出所)
# The second: official classes by department; the third: departments' names, searched in their field.
EXPANSION_FILES = ("item_expansions.tsv", "item_classes.tsv", DEPARTMENTS_FILE)


def _rows(name: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(words said, official words) of an expansion-format file."""
    return [(tuple(normalize(w) for w in row[0].split("|") if w.strip()),
             tuple(normalize(t) for t in row[1].split() if t.strip())) for row in read_tsv(name) if len(row) >= 2]


def _expansions(files: Sequence[str] = EXPANSION_FILES) -> list[tuple[str, tuple[str, ...]]]:
    pairs = []
    for name in files:
        for triggers, targets in _rows(name):
            # A department's own word (税务, 公安) is a cue of the department, not a word to expand.
            pairs.extend((t, targets) for t in triggers if not (name == DEPARTMENTS_FILE and t in targets))
    return pairs


@dataclass(frozen=True)
class StepWords:
    """``data/item_actions.tsv``: classes of steps, the official words that mark them in names and
    the words residents use for them."""

    official: dict[str, frozenset[str]]  # official word → classes
    colloquial: dict[str, frozenset[str]]  # question word → classes
    modes: frozenset[str]  # classes that are not a later step (asking for them is optional)
    qualifiers: dict[str, tuple[frozenset[str], frozenset[str]]]  # class → (words in names, in questions)
    opposites: dict[str, str] = field(default_factory=dict)  # direction → the other way (转入 / 转出)
    families: tuple[frozenset[str], ...] = ()  # steps offered together (补领、换领)
    # The ordinary case of a pair of qualifiers → the other one (adult → minor): its items are not put
    # after when unsaid, and saying it takes the other back (孩子满十八岁了 is not a minor's question).
    ordinary: dict[str, str] = field(default_factory=dict)


@cache
def step_words() -> StepWords:
    official: dict[str, set[str]] = {}
    colloquial: dict[str, set[str]] = {}
    modes: set[str] = set()
    qualifiers: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    opposites: dict[str, str] = {}
    families: list[frozenset[str]] = []
    ordinary: dict[str, str] = {}
    section = "steps"
    for raw in _raw_lines("item_actions.tsv"):
        if raw.startswith("#"):
            heading = raw.lstrip("# ")
            for prefix in ("Modes", "Qualifiers", "Families"):
                if heading.startswith(prefix):
                    section = prefix.lower()
            continue
        cols = raw.split("\t")
        if section == "families" and len(cols) >= 2:
            families.append(frozenset(cols[1].split()))
            continue
        if len(cols) < 3:
            continue
        name = cols[0].strip()
        if section == "qualifiers":
            qualifiers[name] = (frozenset(normalize(w) for w in cols[1].split()),
                                frozenset(normalize(w) for w in cols[2].split("|") if w.strip()))
            if len(cols) > 3 and cols[3].strip():
                ordinary[name] = cols[3].strip()
            continue
        if section == "modes":
            modes.add(name)
        if len(cols) > 3 and cols[3].strip():
            opposites[name] = cols[3].strip()
        for word in cols[1].split():
            official.setdefault(normalize(word), set()).add(name)
            colloquial.setdefault(normalize(word), set()).add(name)
        for word in cols[2].split("|"):
            if word.strip():
                colloquial.setdefault(normalize(word), set()).add(name)
    return StepWords({w: frozenset(c) for w, c in official.items()},
                     {w: frozenset(c) for w, c in colloquial.items()}, frozenset(modes), qualifiers, opposites,
                     tuple(families), ordinary)


def _raw_lines(name: str) -> list[str]:
    """Lines of a data file with its comment lines (item_actions.tsv's headings mark its sections)."""
    return [line for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines() if line.strip()]


WordClasses = tuple[re.Pattern[str] | None, dict[str, frozenset[str]]]


def _word_classes(pairs: Iterable[tuple[str, Iterable[str]]]) -> WordClasses:
    """A longest-first pattern over the words of several classes, and each word's classes."""
    classes: dict[str, set[str]] = {}
    for cls, words in pairs:
        for word in words:
            classes.setdefault(word, set()).add(cls)
    ordered = sorted(classes, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None
    return pattern, {w: frozenset(c) for w, c in classes.items()}


def _classes_in(text: str, pattern: re.Pattern[str] | None, classes: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The classes whose words ``text`` has, each span read once, longest word first."""
    if pattern is None:
        return frozenset()
    return frozenset(c for match in pattern.finditer(text) for c in classes[match.group(0)])


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
    return char_sound(char) if _is_han(char) else None


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
    alternatives: list[tuple[list[str], float]]  # (char grams, how much a match of it counts)
    sound: list[str]
    lone: bool = False  # a single character (or a run of them)
    step: bool = False  # a step word (丢了, 注销): weighs little as a word of the matter
    weight: float = 0.0
    known: bool = True  # some alternative occurs in the catalogue
    borrowed: int = 0  # the last alternatives are a thesaurus's synonyms: they do not add weight
    # Per alternative (then the sound, if any): the grams the catalogue has, each with its share of
    # the alternative's IDF, and how much a match of it counts — computed once per question.
    readings: list[tuple[tuple[tuple[str, float], ...], float]] = field(default_factory=list)


@dataclass
class _Query:
    terms: list[_Term]
    steps: frozenset[str]  # classes asked for
    step_surfaces: list[str]  # the words that asked for them (for highlights)
    step_grams: set[str]  # grams of the official words of the asked classes
    qualifiers: frozenset[str] = frozenset()  # who the question speaks for (单位 …)
    context: frozenset[str] = frozenset()  # steps said as already taken (停业后)
    departments: frozenset[str] = frozenset()  # departments the question names (税务上, 派出所)
    matter_weight: float = 0.0  # the weight of the terms that are not step words
    department_weight: float = 0.0  # the weight of the terms that name a department (税务)
    # Computed once per question for scoring:
    total_weight: float = 1.0
    all_grams: frozenset[str] = frozenset()  # every gram the question may cover a name with
    wanted: frozenset[str] = frozenset()  # grams the catalogue has, over all readings
    core: str = ""  # the words of the matter in order (for rapidfuzz against names)
    only_steps: bool = False  # "补换" alone: names a step of many matters, not one item


def _negates(before: str) -> bool:
    """Whether the text before a step word denies it (不注销, 没有注销, 不需要注销) — not when it asks
    either way (要不要注销, 需不需要注销, 有没有注销: the same verb on both sides of 不 or 没)."""
    for negation in STEP_NEGATIONS:
        if before.endswith(negation):
            inside = max(negation.find("不"), negation.find("没"))
            if inside < 0:  # 别, 无需
                return True
            at = len(before) - len(negation) + inside
            return not (0 < at < len(before) - 1 and before[at - 1] == before[at + 1])
    return False


def _meaningful(words: Iterable[str]) -> list[str]:
    """Words with a letter, digit or character in them (no punctuation, no spaces)."""
    return [w for w in words if any(c.isalnum() for c in w)]


def catalogue_vocabulary(docs: Iterable[ItemDoc], lexicon: Lexicon | None = None) -> frozenset[str]:
    """The words of the catalogue (names, aliases, keywords, descriptions) and of the lexicon: the
    question words the semantic reading takes whole; any other word by its characters."""
    lexicon = lexicon or default_lexicon()
    words = set(lexicon.words)
    for doc in docs:
        for text in (doc.name, *doc.aliases, *doc.keywords, doc.extra):
            words.update(_meaningful(tokens(normalize(text), lexicon)))
    return frozenset(words)


def semantic_characters(vocabulary: Iterable[str], *, common: bool = True) -> frozenset[str]:
    """The characters a word outside the vocabulary is read by: those of the vocabulary and, with
    ``common``, the commonly used ones (a rarer one says nothing to the reading)."""
    own = frozenset(c for w in vocabulary for c in w if c.isalnum())
    return own | frozenset(common_characters()) if common else own


def semantic_texts(vocabulary: Iterable[str], *, common: bool = True) -> list[str]:
    """Every word and character whose vector a question may need: embedded ahead (a server's
    warm-up), so that no question waits for the model once it is done. Without ``common``, only
    the vocabulary's words and characters (what a catalogue edit can change)."""
    words = sorted(set(vocabulary))
    return words + sorted(semantic_characters(words, common=common) - set(words))


def _near_best_floor(matches: Sequence[ItemMatch]) -> float:
    """The least lexical score among the near-best matches (``FREQUENT_BAND`` under the best): where a
    frequent item or a “一件事” bundle may be put first."""
    return max(m.score for m in matches) - FREQUENT_BAND


class ItemMatcher:
    def __init__(self, docs: Iterable[ItemDoc] = (), *, lexicon: Lexicon | None = None, candidates: int = 40,
                 thesaurus: Mapping[str, Sequence[str]] | None = None, thesaurus_weight: float = THESAURUS_WEIGHT,
                 semantic: Encoder | None = None, semantic_weight: float | None = None,
                 semantic_question: str = "words"):
        self.lexicon = lexicon or default_lexicon()
        self.candidates = candidates
        # Optional: embeddings reorder the lexical matches (``semantic.py``); a question is read as
        # the sum of its words' vectors ("words") or embedded whole ("sentence", ~10–20 ms).
        if semantic_question not in ("words", "sentence"):
            raise ValueError(f"semantic_question is 'words' or 'sentence', not {semantic_question!r}")
        self.semantic = semantic
        self._semantic_question = semantic_question
        self._semantic_weight = SEMANTIC_WEIGHT if semantic_weight is None else semantic_weight
        # Optional, off by default: a general thesaurus (``portal.nlu.thesaurus.load_cilin()``) read
        # as weak extra readings of words the expansions do not cover; kept per catalogue to the
        # synonyms whose every gram an item's name, aliases or keywords has. Evaluated with 词林 and
        # not turned on (no gain, a few losses: docs/nlu.md, "A general thesaurus").
        self._thesaurus_source = thesaurus or {}
        self._thesaurus_weight = thesaurus_weight
        self._thesaurus: dict[str, tuple[str, ...]] = {}
        self._question_words = question_words()
        self._steps = step_words()
        expansions = _expansions()
        self._expansion_map: dict[str, tuple[str, ...]] = {}
        for trigger, targets in expansions:
            # The question is canonicalised before triggers are looked for: 参加医保 is also 参加医疗保险.
            for form in {trigger, self.lexicon.canonicalize(trigger, normalized=True).text}:
                known = self._expansion_map.get(form, ())
                self._expansion_map[form] = known + tuple(t for t in targets if t not in known)
        # An everyday phrase read as an official step word (分成两家 → 分立, 换法人 → 变更) asks that step.
        self._expansion_steps = {
            trigger: classes for trigger, targets in self._expansion_map.items()
            if trigger not in self._steps.colloquial
            and (classes := frozenset(c for t in targets for c in self._steps.official.get(t, ()))
                 - self._steps.modes)
        }
        # Departments the resident names (税务上, 去派出所): cue pattern, and each cue's department words.
        self._departments = [targets for _cues, targets in _rows(DEPARTMENTS_FILE)]
        self._department_cues = _word_classes(
            (str(index), cues) for index, (cues, _targets) in enumerate(_rows(DEPARTMENTS_FILE)))
        # Step words of two characters or more are found anywhere; a lone character only as a token.
        triggers = set(self._expansion_map) | {w for w in self._steps.colloquial if len(w) > 1}
        self._trigger_words = frozenset(triggers)
        ordered = sorted(triggers, key=lambda t: -len(t))
        self._trigger_re = re.compile("|".join(re.escape(t) for t in ordered)) if ordered else None
        self._official_re = re.compile("|".join(re.escape(w) for w in sorted(self._steps.official, key=len,
                                                                              reverse=True)))
        # Words of qualifiers in names are words of their own: 公司 in 非公司 is not meant there.
        self._qualifier_words = {w for words, _said in self._steps.qualifiers.values() for w in words}
        # Qualifiers are read longest first, in names and in questions: 满十八岁 inside 未满十八岁,
        # 满十八 inside 没满十八 are the other qualifier's words.
        self._qualifier_names = _word_classes((q, words) for q, (words, _said) in self._steps.qualifiers.items())
        self._qualifier_said = _word_classes((q, said) for q, (_words, said) in self._steps.qualifiers.items())
        self._class_grams = {
            cls: {g for w, classes in self._steps.official.items() if cls in classes for g in char_grams(w)}
            for classes in self._steps.official.values() for cls in classes
        }
        self.rebuild(docs)

    # --- index ------------------------------------------------------------------------------
    def rebuild(self, docs: Iterable[ItemDoc]) -> None:
        self.docs: list[ItemDoc] = list(docs)
        self._vocabulary: frozenset[str] | None = None  # the catalogue's words, for question vectors
        self._characters: frozenset[str] | None = None
        self._frequent_ids = frozenset(doc.id for doc in self.docs if doc.frequent)
        self._doc_of = {doc.id: index for index, doc in enumerate(self.docs)}
        self.names: list[str] = []
        self._plain: list[str] = []
        name_grams: list[set[str]] = []
        postings: dict[str, dict[int, float]] = {}

        def post(gram: str, index: int, weight: float) -> None:
            slot = postings.setdefault(gram, {})
            if slot.get(index, 0.0) < weight:
                slot[index] = weight

        self._doc_steps: list[tuple[tuple[str, frozenset[str]], ...]] = []
        self._doc_classes: list[frozenset[str]] = []  # every step class the name mentions
        self._doc_later: list[bool] = []  # the name mentions a later step (not only a mode)
        self._doc_qualifiers: list[frozenset[str]] = []  # who the item is for, when the name says it
        self._doc_departments: list[frozenset[str]] = []  # the department cues its department answers to
        self._doc_step_named: list[bool] = []  # the name is a step and nothing else (停业登记, 复业登记)
        for index, doc in enumerate(self.docs):
            plain = normalize(doc.name)
            name = self._canonical(doc.name)
            self.names.append(name)
            self._plain.append(plain)
            grams = set(char_grams(plain))
            name_grams.append(grams)
            steps = self._steps_in(plain)
            self._doc_steps.append(steps)
            self._doc_classes.append(frozenset(c for _w, classes in steps for c in classes))
            self._doc_later.append(any(not classes <= self._steps.modes for _w, classes in steps))
            self._doc_qualifiers.append(_classes_in(plain, *self._qualifier_names))
            self._doc_step_named.append(self._named_by_step(doc.name))
            department = normalize(doc.department)
            self._doc_departments.append(frozenset(
                str(index) for index, words in enumerate(self._departments) if any(w in department for w in words)))
            for field_name, weight in FIELD_WEIGHTS.items():
                value = getattr(doc, field_name)
                texts = [value] if isinstance(value, str) else list(value)
                for text in texts:
                    if not text:
                        continue
                    forms = [(plain, weight), (name, weight * SYNONYM_WEIGHT)] if field_name == "name" else \
                        [(normalize(text), weight), (self._canonical(text), weight * SYNONYM_WEIGHT)]
                    for form, form_weight in forms:
                        for gram in set(char_grams(form)) | set(sound_grams(form)):
                            post(gram, index, form_weight)
                        if field_name in CHAR_FIELDS:
                            for char in set(form):
                                if _is_han(char):
                                    post(char, index, form_weight)
        self._postings = postings
        n = max(1, len(self.docs))
        # A gram weighs by the items that have it in their own words: the department field says little
        # about a word (政审 is inside 行政审批局, the department of a third of a county's items).
        department = FIELD_WEIGHTS["department"]
        self._idf = {g: math.log(1 + n / (sum(1 for w in p.values() if w > department) or len(p)))
                     for g, p in postings.items()}
        self._idf_unknown = math.log(1 + n)
        self._common_df = max(200, n // 8)
        self._common_idf = math.log(1 + n / self._common_df)
        self._rare_char_df = max(50, n // 100)
        self._choices = dict(enumerate(self.names))
        self._name_weights = [
            (sum(self._idf[g] for g in grams) or 1.0, frozenset(grams), {g: self._idf[g] for g in grams})
            for grams in name_grams
        ]
        self._thesaurus = self._thesaurus_for_catalogue(postings) if self._thesaurus_source else {}
        tokens("预热", self.lexicon)  # build the segmenter now, not on the first question
        self._word_freq = segmenter(self.lexicon).FREQ
        self._embedded_cache: dict[tuple[str, int], bool] = {}
        self._analysed: dict[str, _Query] = {}

    def _thesaurus_for_catalogue(self, postings: dict[str, dict[int, float]]) -> dict[str, tuple[str, ...]]:
        """The thesaurus kept to what this catalogue can match: words the expansions do not already
        read, synonyms whose every gram is in some name, alias or keyword."""
        floor = FIELD_WEIGHTS["keywords"] * SYNONYM_WEIGHT
        named = {g for g, posting in postings.items() if len(g) == 2 and max(posting.values()) >= floor}
        kept: dict[str, tuple[str, ...]] = {}
        for word, synonyms in self._thesaurus_source.items():
            if len(word) < 2 or word in self._expansion_map:
                continue
            found = tuple(s for s in synonyms if len(s) >= 2 and all(g in named for g in char_grams(s)))
            if found:
                kept[word] = found
        return kept

    def _named_by_step(self, name: str) -> bool:
        """Whether the name says a step and nothing of a matter (停业登记, 复业登记 of the tax office):
        such an item serves every matter of its department."""
        rest = _PARENTHESES_RE.sub("", name)
        for word in sorted({*self._steps.official, *ADMINISTRATIVE_WORDS}, key=len, reverse=True):
            rest = rest.replace(word, "")
        return len(rest.strip()) <= 1 and rest != _PARENTHESES_RE.sub("", name)

    def _steps_in(self, name: str) -> tuple[tuple[str, frozenset[str]], ...]:
        """The step words of a name with their classes (换领 → renew, damaged)."""
        found = {}
        for match in self._official_re.finditer(name):
            found[match.group(0)] = self._steps.official[match.group(0)]
        return tuple(found.items())

    @staticmethod
    @lru_cache(maxsize=200_000)
    def _canonical_cached(lexicon: Lexicon, text: str) -> Canonical:
        return lexicon.canonicalize(text)

    def _canonical(self, text: str) -> str:
        return self._canonical_cached(self.lexicon, text).text

    def idf(self, gram: str) -> float:
        return self._idf.get(gram, self._idf_unknown)

    # --- query ------------------------------------------------------------------------------
    def _analyse(self, query: str) -> _Query:
        """The question read against this catalogue (cached: the chat asks the matcher twice about
        one message, once for evidence and once for the answer)."""
        found = self._analysed.get(query)
        if found is None:
            if len(self._analysed) > 4096:
                self._analysed.clear()
            found = self._analysed[query] = self._read(query)
        return found

    def _read(self, query: str) -> _Query:
        canonical = self._canonical_cached(self.lexicon, query)
        text = canonical.text
        # What the lexicon replaced, by position in the canonical text: the typed form stays searchable.
        typed = [(t.start, t.end, t.surface, t.by_sound) for t in canonical.terms if t.surface != t.canonical]
        # A step word the lexicon took by its sound for another word (迁到 read as 签到) is the step.
        typed_steps = {(s, e): surface for s, e, surface, by_sound in typed
                       if by_sound and surface in self._steps.colloquial}
        steps: set[str] = set()
        context: set[str] = set()  # steps already taken (停业后 …): neither asked nor held against an item
        step_surfaces: list[str] = []
        terms: list[_Term] = []
        pieces: list[tuple[int, int, str | None]] = []  # (start, end, trigger kind)
        last = 0
        # A trigger does not cut through a word the lexicon produced (残疾人 stays inside 残疾人证).
        words = [(t.start, t.end) for t in canonical.terms]
        if self._trigger_re is not None:
            position = 0
            while (match := self._trigger_re.search(text, position)) is not None:
                start, end = match.span()
                position = end
                # An official step word that starts inside the trigger and runs past it is the word
                # meant (要改制成: 改制, not 要改).
                for inner in range(start + 1, end):
                    overlap = self._official_re.match(text, inner)
                    if overlap and overlap.end() > end and overlap.group(0) in self._trigger_words:
                        start, end = overlap.span()
                        position = end
                        break
                inside = (w_start <= start and end <= w_end and end - start < w_end - w_start
                          for w_start, w_end in words)
                if any(inside):
                    continue
                pieces.append((last, start, None))
                pieces.append((start, end, "trigger"))
                last = end
        pieces.append((last, len(text), None))
        lone_run: list[tuple[int, str]] = []

        def flush_run() -> None:
            # Lone characters next to each other are read together where the catalogue has the pair
            # as written or as sounded (理婚, typed "lihun", sounds like 离婚), one by one elsewhere.
            for run in self._split_run("".join(c for _, c in lone_run)):
                if len(run) >= 2:
                    terms.append(_Term(run, [(char_grams(run), 1.0), (list(run), 0.8)], sound_grams(run), lone=True))
                else:
                    terms.append(_Term(run, [([run], 1.0)], [], lone=True))
            lone_run.clear()

        for start, end, kind in pieces:
            piece = text[start:end]
            if not piece.strip():
                continue
            if kind == "trigger":
                flush_run()
                if text[:start].endswith(NEGATIONS_TUPLE):
                    terms.append(self._negated_term(piece))  # 不是公司那种
                    continue
                if piece in self._steps.colloquial:
                    if text.startswith(AFTER, end):  # 停业后又要开: what was done is not what is asked
                        context |= self._steps.colloquial[piece]
                        continue
                    if _negates(text[:start]):  # 先停一段时间 但不注销: not asked
                        continue
                    steps |= self._steps.colloquial[piece]
                    step_surfaces.append(piece)
                    if piece not in self._expansion_map:
                        terms.append(self._step_term(piece))
                        continue
                elif piece in self._expansion_steps:
                    (context if text.startswith(AFTER, end) else steps).update(self._expansion_steps[piece])
                alternatives = [(char_grams(piece), 1.0)] + [(char_grams(t), EXPANSION_WEIGHT)
                                                              for t in self._expansion_map[piece]]
                terms.append(_Term(piece, alternatives, sound_grams(piece)))
                self._add_typed(terms[-1], start, end, typed)
                continue
            negated = False
            for word, w_start, w_end in segmenter(self.lexicon).tokenize(piece, HMM=False):
                if not word.strip():
                    continue
                if word in NEGATIONS:
                    flush_run()
                    negated = True  # 不是公司那种: the word after it is what the matter is not
                    continue
                if negated:
                    negated = False
                    if len(word) > 1 and word not in self._question_words:
                        terms.append(self._negated_term(word))
                        continue
                if word in self._question_words or (context and word in AFTER):
                    flush_run()
                    continue
                word = typed_steps.get((start + w_start, start + w_end), word)
                if word in self._steps.colloquial:
                    flush_run()
                    if _negates(text[:start + w_start]):
                        continue
                    if text.startswith(AFTER, start + w_end):
                        context |= self._steps.colloquial[word]
                        continue
                    steps |= self._steps.colloquial[word]
                    step_surfaces.append(word)
                    terms.append(self._step_term(word))
                    continue
                if len(word) == 1:
                    if _is_han(word):
                        if lone_run and lone_run[-1][0] != start + w_start - 1:
                            flush_run()
                        lone_run.append((start + w_start, word))
                    elif word.isalnum():
                        flush_run()
                        terms.append(_Term(word, [([word], 1.0)], [], lone=True))
                    continue
                flush_run()
                term = _Term(word, [(char_grams(word), 1.0)], sound_grams(word))
                self._add_typed(term, start + w_start, start + w_end, typed)
                self._add_thesaurus(term)
                terms.append(term)
            flush_run()
        unique: dict[str, _Term] = {}
        for term in terms:
            unique.setdefault(term.surface, term)  # 娃娃, 狗…狗证: a word said twice counts once
        terms = list(unique.values())
        for term in terms:
            self._weigh(term)
        only_steps = bool(terms) and all(t.step for t in terms)
        if only_steps:
            for term in terms:  # only a step ("补办"): its words, and the official ones, are the matter
                term.step = False
                term.alternatives += self._official_alternatives(term.surface)
                self._weigh(term)
        step_grams = {g for cls in steps for g in self._class_grams.get(cls, ())}
        said = _classes_in(text, *self._qualifier_said) | _classes_in(canonical.original, *self._qualifier_said)
        said -= {self._steps.ordinary[q] for q in said if q in self._steps.ordinary}
        cues = self._department_cues
        departments = _classes_in(text, *cues) | _classes_in(canonical.original, *cues)
        return _Query(
            terms, frozenset(steps), step_surfaces, step_grams, said, frozenset(context - steps), departments,
            total_weight=sum(t.weight for t in terms) or 1.0,
            matter_weight=sum(t.weight for t in terms if not t.step),
            department_weight=sum(t.weight for t in terms
                                  if not t.step and _classes_in(t.surface, *self._department_cues)),
            all_grams=frozenset({g for t in terms for alt, _f in t.alternatives for g in alt} | step_grams),
            wanted=frozenset(g for t in terms for reading, _f in t.readings for g, _s in reading),
            core="".join(t.surface for t in terms if t.known) or "".join(t.surface for t in terms),
            only_steps=only_steps,
        )

    def _embedded_in(self, word: str, doc: int) -> bool:
        key = (word, doc)
        found = self._embedded_cache.get(key)
        if found is None:
            if len(self._embedded_cache) > 100_000:
                self._embedded_cache.clear()
            found = self._embedded_cache[key] = self._embedded(word, self._plain[doc])
        return found

    def _embedded(self, word: str, name: str) -> bool:
        """Whether every occurrence of ``word`` in ``name`` is part of another word: 身份证 in
        临时身份证明 (证明), 公证 in 公证员, 公司 in 分公司 — written there, but not meant there."""
        freq = self._word_freq
        start = name.find(word)
        while start >= 0:
            end = start + len(word)
            after, before = name[end:end + 1], name[start - 1:start] if start else ""
            words = self._qualifier_words
            if not ((after and (freq.get(word + after, 0) >= 3 or word + after in words))
                    or (before and (freq.get(before + word, 0) >= 3 or before + word in words))):
                return False
            start = name.find(word, start + 1)
        return True

    def _named(self, gram: str) -> bool:
        """Whether some item has ``gram`` in its name, aliases or keywords (not only in its description)."""
        floor = FIELD_WEIGHTS["keywords"] * SYNONYM_WEIGHT
        return any(weight >= floor for weight in self._postings.get(gram, {}).values())

    def _split_run(self, run: str) -> list[str]:
        pieces: list[str] = []
        for char in run:
            if pieces:
                last = pieces[-1][-1]
                pair_sound = sound_grams(last + char)
                if self._named(last + char) or (pair_sound and self._named(pair_sound[0])):
                    pieces[-1] += char
                    continue
            pieces.append(char)
        return pieces

    def _add_typed(self, term: _Term, start: int, end: int, typed: list[tuple[int, int, str, bool]]) -> None:
        for t_start, t_end, surface, by_sound in typed:
            if t_start >= start and t_end <= end and len(surface.replace(" ", "")) > 1:
                grams = char_grams(surface.replace(" ", ""))
                if all(_is_han(c) for c in surface.replace(" ", "")):
                    term.alternatives.append((grams, TYPO_WEIGHT if by_sound else 1.0))
                    if not by_sound and term.surface != surface and all(self._named(g) for g in grams):
                        # The catalogue names what was typed (离婚证): the lexicon's reading of it
                        # (离婚登记) is then the second reading, as in names (SYNONYM_WEIGHT).
                        first, _factor = term.alternatives[0]
                        term.alternatives[0] = (first, SYNONYM_WEIGHT)

    def _add_thesaurus(self, term: _Term) -> None:
        synonyms = self._thesaurus.get(term.surface)
        if not synonyms:
            return
        weight = self._thesaurus_weight
        term.alternatives.extend((char_grams(s), weight) for s in synonyms)
        term.borrowed = len(synonyms)

    def _weigh(self, term: _Term) -> None:
        idf, unknown = self._idf, self._idf_unknown
        term.readings = []
        # An official word read for a colloquial one counts by what it says of the item: a common one
        # (认证 for 无公害) is a weaker reading of a rare word than the word itself.
        # A reading inside a longer one (租赁 in 公共租赁住房, both read for 租房) is the general case of
        # it, not a less telling reading: it is judged beside the others only.
        own = term.alternatives[:len(term.alternatives) - term.borrowed]
        info = [self._information(grams) for grams, _factor in term.alternatives]
        sound = [(term.sound, SOUND_WEIGHT)] if term.sound else []
        for index, (grams, factor) in enumerate(term.alternatives + sound):
            total = sum([idf.get(g, unknown) for g in grams])
            if index and index < len(info):
                inside = set(grams)
                reference = max([info[j] for j, (other, _f) in enumerate(own)
                                 if j == index or not inside <= set(other)], default=0.0)
                if reference:
                    factor *= min(1.0, info[index] / reference) ** READING_INFORMATION_POWER
            if total:
                term.readings.append((tuple((g, idf[g] / total) for g in grams if g in idf), factor))
        best = 0.0
        own = term.alternatives[:len(term.alternatives) - term.borrowed]
        # A thesaurus's synonym weighs a word only when the catalogue has nothing of the word itself:
        # a rare synonym of a common word (申请 → 报名) must not make the word count more.
        for alternatives in (own, term.alternatives[len(own):]):
            for grams, factor in alternatives:
                if not grams:
                    continue
                known = sum(self._idf[g] for g in grams if g in self._idf)
                best = max(best, factor * known / len(grams) * math.sqrt(len(grams)))
            if best:
                break
        if term.sound and best == 0.0:
            known = sum(self._idf[g] for g in term.sound if g in self._idf)
            best = SOUND_WEIGHT * known / len(term.sound) * math.sqrt(len(term.sound))
        if best == 0.0:
            term.known = False
            term.weight = UNKNOWN_TERM_WEIGHT
            return
        if term.step:
            term.weight = STEP_TERM_WEIGHT
            return
        term.weight = best * (LONE_CHAR_WEIGHT if term.lone and len(term.surface) == 1 else 1.0)

    def _information(self, grams: Sequence[str]) -> float:
        """What a reading says of an item: the IDF of its grams the catalogue has, per gram, grown
        with its length."""
        if not grams:
            return 0.0
        known = sum(self._idf[g] for g in grams if g in self._idf)
        return known / len(grams) * math.sqrt(len(grams))

    @staticmethod
    def _negated_term(word: str) -> _Term:
        """What the matter is not (不是公司) is said in names with 非 (非公司企业法人, 非营利组织)."""
        return _Term("非" + word, [(char_grams("非" + word), 1.0)], sound_grams("非" + word))

    def _step_term(self, word: str) -> _Term:
        """A step word as a light term of its own: 停业登记, 户口注销 are named by their step."""
        return _Term(word, [(char_grams(word), 1.0)], sound_grams(word), lone=len(word) == 1, step=True)

    def _official_alternatives(self, word: str) -> list[tuple[list[str], float]]:
        classes = self._steps.colloquial.get(word, frozenset())
        official = sorted(w for w, c in self._steps.official.items() if c & classes and w != word)
        return [(char_grams(w), EXPANSION_WEIGHT) for w in official]

    def _prefilter(self, terms: list[_Term], asked: frozenset[str] = frozenset(),
                   departments: frozenset[str] = frozenset()) -> list[int]:
        """The items worth scoring: each term's evidence is its best reading's (IDF-weighted share of
        grams found), so a word with many readings (营业执照 → 证照) does not add them up."""
        postings = self._postings
        present = {g for t in terms for reading, _f in t.readings for g, _s in reading}
        if not present:
            return []
        # A single character gathers candidates only when it is rare (狗, not 在 or 家): the many
        # items sharing a common character would crowd out the rest and cost most of the time.
        rare_char = self._rare_char_df
        # A gram is common by the items that have it in their own words (政审 is in 行政审批局 too).
        idf, common_idf = self._idf, self._common_idf
        skip = {g for g in present if (len(postings[g]) > rare_char if len(g) == 1 else idf[g] < common_idf)}
        if skip == present:
            skip = set()  # only common grams: use them all
        acc: dict[int, float] = {}
        for term in terms:
            readings = term.readings
            if len(term.alternatives) == 1:
                # One reading (most words): as written, and a little more by sound (typos).
                get = acc.get
                for index, (reading, factor) in enumerate(readings):
                    scale = term.weight * (factor if index == 0 else SOUND_WEIGHT * 0.5)
                    for gram, share in reading:
                        if gram not in skip:
                            weight = scale * share
                            for doc, field_weight in postings[gram].items():
                                acc[doc] = get(doc, 0.0) + weight * field_weight
                continue
            best: dict[int, float] = {}
            for reading, factor in readings[:len(term.alternatives)]:
                part: dict[int, float] = {}
                get = part.get
                for gram, share in reading:
                    if gram not in skip:
                        weight = factor * share
                        for doc, field_weight in postings[gram].items():
                            part[doc] = get(doc, 0.0) + weight * field_weight
                for doc, value in part.items():
                    if value > best.get(doc, 0.0):
                        best[doc] = value
            weight = term.weight
            for doc, value in best.items():
                acc[doc] = acc.get(doc, 0.0) + weight * value
        if len(acc) <= self.candidates:
            return list(acc)
        # Variants of one matter tie on their words: near the cut, the plain item and the one with
        # the asked step go first (食品经营许可核发 before its 注销, 延续, 补办 … when 11 variants tie).
        near = sorted(acc, key=acc.__getitem__, reverse=True)[:self.candidates * 2]
        classes, later = self._doc_classes, self._doc_later

        def key(doc: int) -> float:
            if classes[doc] & asked:
                return acc[doc] * 1.03
            return acc[doc] * 0.97 if later[doc] else acc[doc]

        chosen = sorted(near, key=key, reverse=True)[:self.candidates]
        if departments:
            # The department named (税务上) keeps its best items in the running even when the matter's
            # words (个体户) fill the cut with another department's.
            of_department = self._doc_departments
            kept = set(chosen)
            named = (d for d in acc if d not in kept and departments & of_department[d])
            chosen += heapq.nlargest(self.candidates // 4, named, key=lambda d: (bool(classes[d] & asked), acc[d]))
        return chosen

    def _hits(self, grams: Iterable[str], candidates: list[int], cand_set: set[int]) -> dict[str, dict[int, float]]:
        """For each gram, the candidates containing it with their field weight (postings walked once)."""
        hits: dict[str, dict[int, float]] = {}
        for gram in grams:
            posting = self._postings.get(gram)
            if not posting:
                hits[gram] = {}
            elif len(posting) <= len(candidates):
                hits[gram] = {d: w for d, w in posting.items() if d in cand_set}
            else:
                hits[gram] = {d: posting[d] for d in candidates if d in posting}
        return hits

    def search(self, query: str, limit: int = 10, *, min_score: float | None = None) -> list[ItemMatch]:
        """The items that fit the question, best first: ``min_score`` (0–100) is the least lexical
        score kept. With a semantic encoder the lexical matches of a wider pool are put in the order
        of their score plus the question's likeness to each name; ``score`` stays the lexical one.
        A question naming one matter only puts the frequent items among the near-best first."""
        bundle = bool(ALL_STEPS_ASKED.search(query))
        if self.semantic is None:
            if not bundle and (not self._frequent_ids or not query.strip() or self.one_matter(query) is None):
                return self._lexical(query, limit, min_score)  # no frequent item can move: no wider pool
            matches = self._frequent_first(query, self._lexical(query, max(limit, SEMANTIC_POOL), min_score))
            return (self._bundle_first(matches) if bundle else matches)[:limit]
        matches = self._lexical(query, max(limit, SEMANTIC_POOL), min_score)
        # One match, or a lead the reading is sure of: the model is not asked.
        if len(matches) > 1 and matches[0].score - matches[1].score < SEMANTIC_SURE:
            if self._semantic_question == "sentence":
                asked = self.semantic.query(normalize(query))
            else:
                asked = self.question_vector(query)
            if asked is not None:
                likeness = self.semantic.passages([m.name for m in matches]) @ asked
                weight = 100.0 * self._semantic_weight
                order = sorted(range(len(matches)), key=lambda i: -(matches[i].score + weight * float(likeness[i])))
                matches = [matches[i] for i in order]
        matches = self._frequent_first(query, matches)
        return (self._bundle_first(matches) if bundle else matches)[:limit]

    @staticmethod
    def _bundle_first(matches: list[ItemMatch]) -> list[ItemMatch]:
        """``matches`` with the first “一件事” bundle among the near-best first (``ALL_STEPS_ASKED``)."""
        if len(matches) < 2:
            return matches
        floor = _near_best_floor(matches)
        bundle = next((m for m in matches if m.score >= floor and BUNDLE_MARK in m.name), None)
        return matches if bundle is None else [bundle, *(m for m in matches if m is not bundle)]

    def frequent_answer(self, query: str, item_id, name: str) -> str | None:
        """The question's one matter (``one_matter``) when this item is a frequent one (高频事项)
        whose name has that word — the item ``search`` puts first for it; else None."""
        found = self._one_matter(query)
        return found[0] if found is not None and self._frequent_for(*found, item_id, name) else None

    def _frequent_for(self, matter: str, new: bool, item_id, name: str) -> bool:
        """A frequent item whose name has the matter — and, for a question asking to get it (办个),
        one whose name names no other step (驾驶证期满换证 is no answer to 办个驾照)."""
        return (item_id in self._frequent_ids and matter in name
                and (not new or self._doc_classes[self._doc_of[item_id]] <= NEW_ONLY))

    def one_matter(self, query: str) -> str | None:
        """The matter's word when the question names one matter and says nothing else about it
        (驾照 → 驾驶证, 户口怎么办 → 户口, 我想问下公积金, 办个居住证要多久 → 居住证): no step but
        asking to get it (办个, 新办, 第一次), no qualifier or department, no second word, at most one
        stray character (问); a word of two characters or more (狗 in 搜狗 or 狗肉 is no matter);
        else None."""
        found = self._one_matter(query)
        return None if found is None else found[0]

    def _one_matter(self, query: str) -> tuple[str, bool] | None:
        """(``one_matter``'s word, whether the question asks to get the matter), or None."""
        analysed = self._analyse(query)
        new = analysed.steps == NEW_ONLY  # getting the matter is what asking about it means
        if (analysed.steps and not new) or analysed.qualifiers or analysed.departments or analysed.only_steps:
            return None
        words = [term for term in analysed.terms if not term.lone and not (new and term.step)]
        if len(words) != 1 or not words[0].known or words[0].step or len(words[0].surface) < 2:
            return None
        if sum(len(term.surface) for term in analysed.terms if term.lone) > 1:  # 华晶小学: a school's name
            return None
        return words[0].surface, new

    def _frequent_first(self, query: str, matches: list[ItemMatch]) -> list[ItemMatch]:
        """``matches`` with the frequent items among the near-best first, for a question that names
        one matter only (``FREQUENT_BAND``) — those whose name has the matter's word; otherwise
        unchanged."""
        if not self._frequent_ids or len(matches) < 2:
            return matches
        found = self._one_matter(query)
        if found is None:
            return matches
        floor = _near_best_floor(matches)
        first = [m for m in matches if m.score >= floor and self._frequent_for(*found, m.id, m.name)]
        if not first:
            return matches
        chosen = {id(m) for m in first}
        return first + [m for m in matches if id(m) not in chosen]

    @property
    def vocabulary(self) -> frozenset[str]:
        """The question words the semantic reading takes whole (``catalogue_vocabulary``)."""
        if self._vocabulary is None:
            self._vocabulary = catalogue_vocabulary(self.docs, self.lexicon)
        return self._vocabulary

    def semantic_texts(self, *, common: bool = True) -> list[str]:
        """Every word and character whose vector a question may need (``semantic_texts``)."""
        return semantic_texts(self.vocabulary, common=common)

    def question_vector(self, query: str):
        """The question's vector from its words and characters alone (``Encoder.question``: no
        model run), or None without an encoder or when no word of it is read."""
        if self.semantic is None:
            return None
        return self.semantic.question(self.question_units(query), self.question_characters(query))

    def question_characters(self, query: str) -> list[str]:
        """The question's characters the semantic reading knows (``semantic_characters``), each as said."""
        characters = self._semantic_characters()
        return [c for c in normalize(query) if c in characters]

    def _semantic_characters(self) -> frozenset[str]:
        if self._characters is None:
            self._characters = semantic_characters(self.vocabulary)
        return self._characters

    def question_units(self, query: str) -> list[tuple[str, ...]]:
        """The question's words for the semantic reading: a catalogue word whole, another word by
        its characters (老外 → 老, 外 unless the catalogue says 老外), rare characters left out."""
        vocabulary = self.vocabulary
        characters = self._semantic_characters()
        units = [(word,) if word in vocabulary else tuple(c for c in word if c in characters)
                 for word in _meaningful(tokens(normalize(query), self.lexicon))]
        return [unit for unit in units if unit]

    def _lexical(self, query: str, limit: int, min_score: float | None) -> list[ItemMatch]:
        if not self.docs or not query or not query.strip():
            return []
        min_score = DEFAULT_MIN_SCORE if min_score is None else min_score
        analysed = self._analyse(query)
        terms = analysed.terms
        if not terms:
            return []
        candidates = self._prefilter(terms, analysed.steps, analysed.departments)
        if not candidates:
            return []
        total_weight = analysed.total_weight
        all_grams = analysed.all_grams
        names = self.names
        fuzzy = {key: score for _, score, key in process.extract(
            analysed.core, {i: names[i] for i in candidates}, scorer=fuzz.partial_ratio, limit=None,
            score_cutoff=40)}
        hits = self._hits(analysed.wanted, candidates, set(candidates))
        covered_by: dict[int, float] = dict.fromkeys(candidates, 0.0)
        matched_by: dict[int, list[str]] = {d: [] for d in candidates}
        for term in terms:
            if not term.known:
                continue
            best: dict[int, float] = {}
            alternatives = len(term.alternatives)
            for index, (reading, factor) in enumerate(term.readings):
                part: dict[int, float] = {}
                get = part.get
                for gram, share in reading:
                    for doc, field_weight in hits[gram].items():
                        part[doc] = get(doc, 0.0) + share * field_weight
                by_sound = index >= alternatives
                for doc, value in part.items():
                    value *= factor
                    known = best.get(doc, 0.0)
                    if value > known and (not by_sound or known < 0.5):
                        best[doc] = value
            if len(term.surface) > 1 and not term.lone:
                plain = self._plain
                for doc, value in best.items():
                    if value >= 0.5 and term.surface in plain[doc] and self._embedded_in(term.surface, doc):
                        best[doc] = value * EMBEDDED_WEIGHT
            for doc, value in best.items():
                covered_by[doc] += term.weight * value
                if value >= 0.5 and not term.step and not (term.lone and len(term.surface) == 1):
                    # Words of the matter only: a step (丢了) or a stray character is no evidence of it.
                    matched_by[doc].append(term.surface)
        asked = analysed.steps
        asked_words = set(analysed.step_surfaces)
        modes = self._steps.modes
        opposites = self._steps.opposites
        contrary_classes = {opposites[c] for c in asked if c in opposites}  # 转出 when 转回来 was asked
        directions = frozenset(opposites)
        later_asked = bool(asked - modes)
        # A mode (开, 办个) said beside a later step (换新) is the weaker reading of the question.
        weak_modes = modes - set(opposites) if asked - modes else frozenset()
        kin = frozenset().union(*(f for f in self._steps.families if f & asked))  # steps offered beside the asked
        scored: list[tuple[float, int, int]] = []
        literal: dict[int, list[str]] = {}  # step words the question and the name share (注销)
        for doc in candidates:
            name_total, name_set, name_idf = self._name_weights[doc]
            name_cover = sum([name_idf[g] for g in name_set & all_grams]) / name_total
            covered = covered_by[doc]
            if self._doc_step_named[doc] and self._doc_classes[doc] & asked - modes \
                    and analysed.departments & self._doc_departments[doc]:
                # 个体户停业 税务上要登记吗: the tax office's 停业登记 is the step of every taxpayer's matter.
                # The department named is its matter; the rest of the matter is the resident's case.
                own = analysed.department_weight
                covered = max(covered, own + STEP_NAMED_COVER * (analysed.matter_weight - own))
            score = 100.0 * (QUERY_COVER_WEIGHT * covered / total_weight + NAME_COVER_WEIGHT * name_cover) \
                + FUZZY_WEIGHT * fuzzy.get(doc, 0.0)
            steps = self._doc_steps[doc]
            if steps:
                agreement: dict[str, float] = {}  # asked class → how well the item says it
                unasked = 0
                other = 0  # unasked steps outside the asked step's family
                for word, classes in steps:
                    if classes & contrary_classes:
                        unasked += 1  # the other way than asked (档案转出 for 转回来)
                    elif classes & asked:
                        # The very word asked (转入, 注销), or the direction asked (转过来 → 接收, 转入),
                        # agrees more than another word of its class.
                        value = 1.0 if word in asked_words or classes & asked & directions else STEP_CLASS_AGREEMENT
                        if classes & asked <= weak_modes:
                            value *= WEAK_MODE_AGREEMENT
                        if word in asked_words:
                            literal.setdefault(doc, []).append(word)
                        for cls in classes & asked:
                            agreement[cls] = max(agreement.get(cls, 0.0), value)
                    elif not classes <= modes | analysed.context:
                        unasked += 1  # a step the question did not ask for (注销, 变更, 补办 …)
                        other += not classes <= kin
                    elif later_asked and classes <= FIRST_GRANT:
                        unasked += 1  # 设立登记 when 停业 was asked: the first grant is another variant
                if agreement:
                    # Each further asked step the item also says (解除抵押: 注销 and 抵押) agrees a little more.
                    values = sorted(agreement.values(), reverse=True)
                    agreed = values[0] + FURTHER_STEP_AGREEMENT * sum(values[1:])
                    # Another step beside the asked one (出质 + 变更) makes a variant, a milder one
                    # than an item without the asked step; steps of one family come together (补领、换领).
                    score += STEP_BONUS * agreed - STEP_PENALTY * EXTRA_STEP_FACTOR * min(other, 2)
                else:
                    # An item offering the asked step among others (补领、换领) is not a different variant.
                    score -= STEP_PENALTY * min(unasked, 2)
            qualifiers = self._doc_qualifiers[doc]
            if qualifiers:
                # an employer's item for a resident's question comes after; a child's item for a
                # question about a child comes first
                score -= QUALIFIER_PENALTY * len(qualifiers - analysed.qualifiers - self._steps.ordinary.keys())
                score += QUALIFIER_AGREEMENT * len(qualifiers & analysed.qualifiers)
            if analysed.departments & self._doc_departments[doc]:
                score += DEPARTMENT_BONUS  # 税务上要登记吗: the tax office's 停业登记 before the matter's own items
            if analysed.only_steps:
                score *= STEP_ONLY_FACTOR  # below the cut-off: a "did you mean", not an answer
            if score >= min_score:
                scored.append((-min(100.0, score), len(self.docs[doc].name), doc))
        scored.sort()
        results = []
        for negative, _length, doc in scored[:limit]:
            item = self.docs[doc]
            matched = matched_by[doc]
            matched += [w for w in literal.get(doc, ()) if w not in matched]
            shown = sorted(g for g in self._name_weights[doc][1] & all_grams if len(g) > 1)
            results.append(ItemMatch(item.id, item.name, round(-negative, 2), matched, shown))
        return results

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
