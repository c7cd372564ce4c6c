"""Colloquial questions over the real external catalogue (1,135 items of 广安区) and the bundled one:
the right item first ≥ 80 %, among the first three ≥ 92 % (issue 4's targets, on unseen questions).

How each set was used (figures before and after in docs/benchmarks.md):

- ``items_questions.tsv``: the first development set (the lexicon was tuned while looking at its misses);
- ``items_questions_fresh.tsv``: written afterwards, measured, then its misses were looked at;
- ``items_questions_residents.tsv`` (common matters of residents): its misses led to general expansions;
- ``items_questions_mixed.tsv`` (both catalogues): written blind before the matcher was reworked to read
  steps apart from the matter; its misses were diagnosed and fixed by class (tuned on);
- ``items_questions_holdout.tsv`` (both catalogues): written after that rework, measured once, never
  tuned on; measured again after the `relevance` branch's changes (seen once before, not tuned on);
- ``items_questions_dev2.tsv`` (both catalogues, randomly drawn items): the `relevance` branch's
  development set, measured once before its changes, then tuned on;
- ``items_questions_dev3.tsv`` … ``dev8.tsv`` (randomly drawn items not in the earlier sets): probes
  written one after another, each measured once on first sight, then its misses fixed by class (tuned on);
- ``items_questions_blind2.tsv`` (both catalogues, randomly drawn items): written after the changes
  sets 2-7 led to, measured once, never tuned on; probe set 8 came after it;
- ``items_questions_blind3.tsv`` (both catalogues, randomly drawn items): written after the last
  change, measured once, never tuned on;
- ``items_questions_blind4.tsv`` (both catalogues, items drawn at random among those no earlier set
  asked about): written after the last change of the `relevance2` branch (official classes by
  department, ``data/item_classes.tsv``), measured once, never tuned on — the honest estimate for
  unseen questions then;
- ``items_questions_dev9.tsv``, ``dev10.tsv`` (random items no earlier set labelled): the `relevance3`
  branch's probes, each measured once on first sight, then tuned on;
- ``items_questions_blind5.tsv`` (both catalogues, randomly drawn items, most of them asked about
  by some earlier set): written after the last change of the `relevance3` branch (steps, the
  department named, items named by their step), measured once, never tuned on;
- ``items_questions_dev11.tsv``, ``dev12.tsv`` (random items some earlier set had labelled — the
  untouched ones were kept for blind set 6): the `relevance4` branch's probes, each measured once on
  first sight, then tuned on;
- ``items_questions_blind6.tsv`` (both catalogues; external items only among the 88 that no earlier
  set asked about): written after the last change of the `relevance4` branch, measured once with its
  code and with main's, never tuned on — the honest estimate for items nobody has asked about.
- ``items_questions_blind7.tsv`` (both catalogues; external items drawn uniformly over all names): written
  by a writer who saw no code, lexicon or earlier set, after the last change, measured once with the
  lexical matcher and with the semantic reordering (``SEMANTIC`` below) — the honest estimate for a
  held-out set of new questions on this catalogue then; measured once more, with questions read by
  their words (the default reading, chosen on the development sets without it).
- ``items_questions_blind8.tsv`` (both catalogues; external items drawn uniformly over all names, new
  seeds): written like blind set 7 after the last change, before any run, measured once with the three
  readings (lexical, words, whole sentence); then its misses and blind set 7's were looked at and
  vocabulary added for them (tuned on since);
- ``items_questions_blind9.tsv`` (the same way, new seeds): written before that vocabulary round,
  measured once after it with the three readings; then its misses were looked at (tuned on since);
- ``items_questions_blind10.tsv`` (the same way, new seeds): measured once after blind set 9's
  vocabulary round — with sets 7–9 the honest estimate (docs/benchmarks.md pools them).
- ``items_questions_blind11.tsv`` (the same way, new seeds): written and measured once with the three
  readings in a later stop, with no relevance change since blind set 10 (pooled with sets 7–10).
- ``items_questions_blind12.tsv`` (the same way, new seeds): written and measured once with the three
  readings after the QA fixes of the stop that wrote it (pooled with sets 7–11).
- ``items_questions_blind13.tsv`` (the same way, new seeds): written and measured once with the three
  readings at the start of the next stop, with no relevance change since (pooled with sets 7–12).
- ``items_questions_blind14.tsv`` (the same way, new seeds): written and measured once with the three
  readings after the fitted question projection (``semantic.PROJECTION``, fitted without it) landed;
  the hardest set yet (pooled with sets 7–13); then its misses and set 13's were looked at and
  vocabulary added for them (tuned on since).
- ``items_questions_blind15.tsv`` (the same way, new seeds): written before that vocabulary round and
  measured once after it with the three readings (pooled with sets 7–14).
- ``items_questions_blind16.tsv`` (the same way, new seeds): written and measured once with the three
  readings at the start of the next stop, with no relevance change since (pooled with sets 7–15);
  then its misses and set 15's were looked at and vocabulary added for them (tuned on since).
- ``items_questions_blind17.tsv`` (the same way, new seeds): written while that vocabulary round ran
  and measured once after it with the three readings (pooled with sets 7–16).
- ``items_questions_blind18.tsv`` (the same way, new seeds): written and measured once with the three
  readings in the next stop, right after the whole-sentence reading became the default (chosen on
  sets 7–17; no other relevance change since set 17; pooled with sets 7–17).

Each threshold sits a little below the level measured, so that a real regression fails; the issue's
targets are asserted where the set was tuned on and reached them. Rows: question, expected item code,
expected item name (an item whose name equals the expected name counts: the catalogue has a few
identical names in two departments); mixed sets: question, catalogue, acceptable items (names for
the external catalogue, codes for the bundled one, ``|`` between genuine near-duplicates).
"""

from __future__ import annotations

import pytest

from tests.eval.external import CATALOGUE_CSV, bundled_docs, catalogue_docs, labelled, mixed, require


@pytest.fixture(scope="module")
def matcher():
    require(CATALOGUE_CSV)
    from portal.nlu.items import ItemMatcher

    return ItemMatcher(catalogue_docs())


@pytest.fixture(scope="module")
def bundled_matcher():
    from portal.nlu.items import ItemMatcher

    return ItemMatcher(bundled_docs())


def accuracy(matcher, rows) -> tuple[float, float, list]:
    first = top3 = 0
    misses = []
    for question, _code, name in rows:
        names = [m.name for m in matcher.search(question, limit=3)]
        first += names[:1] == [name]
        top3 += name in names
        if names[:1] != [name]:
            misses.append((question, name, names))
    return first / len(rows), top3 / len(rows), misses


def mixed_accuracy(matchers, rows) -> tuple[float, float, list]:
    first = top3 = 0
    misses = []
    for question, catalogue, acceptable in rows:
        hits = matchers[catalogue].search(question, limit=3)
        keys = [hit.name if catalogue == "external" else hit.id for hit in hits]
        first += bool(keys) and keys[0] in acceptable
        top3 += any(key in acceptable for key in keys)
        if not keys or keys[0] not in acceptable:
            misses.append((question, acceptable, [hit.name for hit in hits]))
    return first / len(rows), top3 / len(rows), misses


# set → (first, top-3) the matcher must keep: a little below what it measured.
SETS = {
    "items_questions.tsv": (0.94, 0.96),  # measured 97.3 % / 99.3 %, n=150 (relevance3)
    "items_questions_fresh.tsv": (0.88, 0.95),  # 90.0 % / 98.0 %, n=100 (91.0 / 98.0 before relevance3)
    # 96.7 % / 100 %, n=30 (relevance4: a reading inside a longer one is no longer judged less
    # telling; 90.0 % after relevance3)
    "items_questions_residents.tsv": (0.90, 0.96),
}
MIXED = {
    # set → {catalogue or "all": (first, top-3)}; measured figures in docs/benchmarks.md
    "items_questions_mixed.tsv": {"all": (0.86, 0.94), "external": (0.85, 0.94), "bundled": (0.85, 0.93)},
    "items_questions_holdout.tsv": {"all": (0.84, 0.91), "external": (0.80, 0.89), "bundled": (0.90, 0.94)},
    "items_questions_dev2.tsv": {"all": (0.87, 0.93), "external": (0.85, 0.93), "bundled": (0.90, 0.93)},
    # measured once, never tuned on (76.0 % / 86.5 % and 72.0 % / 89.0 % external; after relevance2,
    # seen before: 80.8 / 91.3 and 75.0 / 90.0): floors against regressions, not targets
    "items_questions_blind2.tsv": {"all": (0.75, 0.87), "external": (0.72, 0.83), "bundled": (0.78, 0.93)},
    "items_questions_blind3.tsv": {"all": (0.76, 0.89), "external": (0.68, 0.85), "bundled": (0.92, 0.95)},
    # measured once (75.0 % / 83.0 % external, 92.5 % / 97.5 % bundled): floors, not targets
    "items_questions_blind4.tsv": {"all": (0.76, 0.83), "external": (0.71, 0.79), "bundled": (0.87, 0.92)},
    # measured once (83.8 % / 94.6 % external, 93.2 % / 97.7 % bundled): floors, not targets
    "items_questions_blind5.tsv": {"all": (0.83, 0.92), "external": (0.80, 0.91), "bundled": (0.88, 0.93)},
    # measured once, on items no earlier set had asked about (69.9 % / 86.2 % external, 80.0 % / 97.5 %
    # bundled, 72.4 % / 89.0 % all — the same with the code before relevance4): floors, not targets
    "items_questions_blind6.tsv": {"all": (0.70, 0.86), "external": (0.67, 0.83), "bundled": (0.75, 0.92)},
    # measured once, written by a writer who saw no code, lexicon or earlier set, on items drawn uniformly
    # (76.7 % / 90.0 % external, 80.0 % / 92.5 % bundled): floors, not targets
    "items_questions_blind7.tsv": {"external": (0.74, 0.87), "bundled": (0.75, 0.90)},
    # measured once, written like blind set 7 (74.2 % / 92.5 % external, 85.0 % / 95.0 % bundled)
    "items_questions_blind8.tsv": {"external": (0.72, 0.90), "bundled": (0.82, 0.92)},
    # measured once (67.5 % / 85.0 % external, 82.5 % / 100 % bundled): floors, not targets
    "items_questions_blind9.tsv": {"external": (0.65, 0.82), "bundled": (0.80, 0.97)},
    # measured once (66.7 % / 82.5 % external, 90.0 % / 100 % bundled): floors, not targets
    "items_questions_blind10.tsv": {"external": (0.64, 0.80), "bundled": (0.87, 0.97)},
    # measured once (74.2 % / 91.7 % external, 90.0 % / 95.0 % bundled): floors, not targets
    "items_questions_blind11.tsv": {"external": (0.72, 0.89), "bundled": (0.87, 0.92)},
    # measured once (78.3 % / 88.3 % external, 75.0 % / 90.0 % bundled): floors, not targets
    "items_questions_blind12.tsv": {"external": (0.76, 0.86), "bundled": (0.72, 0.87)},
    # measured once (79.2 % / 90.8 % external, 90.0 % / 97.5 % bundled): floors, not targets
    "items_questions_blind13.tsv": {"external": (0.77, 0.88), "bundled": (0.87, 0.95)},
    # measured once (63.3 % / 79.2 % external, 77.5 % / 80.0 % bundled): floors, not targets
    "items_questions_blind14.tsv": {"external": (0.61, 0.77), "bundled": (0.75, 0.77)},
    # measured once (67.5 % / 81.7 % external, 72.5 % / 95.0 % bundled): floors, not targets
    "items_questions_blind15.tsv": {"external": (0.65, 0.79), "bundled": (0.70, 0.92)},
    # measured once (80.8 % / 90.8 % external, 90.0 % / 97.5 % bundled): floors, not targets
    "items_questions_blind16.tsv": {"external": (0.78, 0.88), "bundled": (0.87, 0.95)},
    # measured once (77.5 % / 91.7 % external, 85.0 % / 97.5 % bundled): floors, not targets
    "items_questions_blind17.tsv": {"external": (0.75, 0.89), "bundled": (0.82, 0.95)},
    # measured once (83.3 % / 91.7 % external, 80.0 % / 97.5 % bundled): floors, not targets
    "items_questions_blind18.tsv": {"external": (0.81, 0.89), "bundled": (0.77, 0.95)},
}
# Probe sets: smaller (70–94 questions), some of the external catalogue only.
PROBES = {
    "items_questions_dev3.tsv": {"external": (0.83, 0.96), "bundled": (0.90, 0.95)},
    "items_questions_dev4.tsv": {"external": (0.86, 0.94), "bundled": (0.77, 0.95)},
    "items_questions_dev5.tsv": {"external": (0.86, 0.95), "bundled": (0.90, 0.95)},
    "items_questions_dev6.tsv": {"external": (0.89, 0.96)},
    "items_questions_dev7.tsv": {"external": (0.86, 0.91)},
    "items_questions_dev8.tsv": {"external": (0.83, 0.93)},
    "items_questions_dev9.tsv": {"external": (0.80, 0.95)},  # first sight 76.2 % / 90.5 %
    "items_questions_dev10.tsv": {"external": (0.80, 0.96)},  # first sight 82.3 % / 98.4 %
    "items_questions_dev11.tsv": {"external": (0.81, 0.93)},  # first sight 79.5 % / 88.6 %; now 84.1 / 95.5
    "items_questions_dev12.tsv": {"external": (0.89, 0.95)},  # first sight 85.0 % / 97.5 %; now 92.5 / 100
}


@pytest.mark.parametrize("dataset", SETS)
def test_item_matcher_finds_the_right_item_for_colloquial_questions(matcher, dataset):
    rows = labelled(dataset)
    assert len(rows) >= 30
    first, top3, misses = accuracy(matcher, rows)
    print(f"{dataset}: first {first:.1%}, top-3 {top3:.1%}, n={len(rows)}")
    floor_first, floor_top3 = SETS[dataset]
    assert first >= max(floor_first, 0.80), misses
    assert top3 >= max(floor_top3, 0.92), misses


@pytest.mark.parametrize("dataset", [*MIXED, *PROBES])
def test_item_matcher_keeps_its_level_on_questions_over_both_catalogues(matcher, bundled_matcher, dataset):
    rows = mixed(dataset)
    assert len(rows) >= (120 if dataset in MIXED else 40)  # probes 11–12 have 40–44 questions
    matchers = {"external": matcher, "bundled": bundled_matcher}
    for part, (floor_first, floor_top3) in {**MIXED, **PROBES}[dataset].items():
        subset = [row for row in rows if part in ("all", row[1])]
        first, top3, misses = mixed_accuracy(matchers, subset)
        print(f"{dataset} {part}: first {first:.1%}, top-3 {top3:.1%}, n={len(subset)}")
        assert first >= floor_first, (part, misses)
        assert top3 >= floor_top3, (part, misses)


def test_mixed_sets_are_mostly_about_the_external_catalogue_and_label_real_items(bundled_matcher):
    require(CATALOGUE_CSV)
    names = {doc.name for doc in catalogue_docs()}
    codes = {doc.id for doc in bundled_docs()}
    for dataset in [*MIXED, *PROBES]:
        rows = mixed(dataset)
        external = sum(1 for _q, catalogue, _a in rows if catalogue == "external")
        assert 0.6 <= external / len(rows) <= (0.8 if dataset in MIXED else 1.0), dataset
        for question, catalogue, acceptable in rows:
            known = names if catalogue == "external" else codes
            assert set(acceptable) <= known, (dataset, question, acceptable)


def test_labelled_questions_are_not_copies_of_item_names_or_aliases():
    require(CATALOGUE_CSV)
    external = {doc.name for doc in catalogue_docs()}
    bundled = {text for doc in bundled_docs() for text in (doc.name, *doc.aliases)}
    for dataset in SETS:
        for question, _code, name in labelled(dataset):
            assert question.replace(" ", "") != name, question
    for dataset in [*MIXED, *PROBES]:
        for question, catalogue, _acceptable in mixed(dataset):
            assert question.replace(" ", "") not in (external if catalogue == "external" else bundled), question


# The semantic reordering (ITEM_SEMANTIC, portal/nlu/semantic.py) on the blind sets, measured with
# bench/item_semantic.py. The words reading (a question as the sum of its words' vectors, weight 5; the
# default until blind set 18), each set measured once that way:
SEMANTIC = {
    "items_questions_blind3.tsv": {"external": (0.84, 0.94)},  # 86.0 / 96.0 (lexical 80.0 / 95.0)
    "items_questions_blind4.tsv": {"external": (0.84, 0.94)},  # 86.0 / 96.0 (lexical 86.0 / 96.0)
    "items_questions_blind6.tsv": {"external": (0.72, 0.86), "bundled": (0.80, 0.95)},  # 74.0 / 87.8; 82.5 / 97.5
    "items_questions_blind7.tsv": {"external": (0.75, 0.90), "bundled": (0.77, 0.90)},  # 77.5 / 91.7; 80.0 / 92.5
    "items_questions_blind8.tsv": {"external": (0.77, 0.90), "bundled": (0.85, 0.92)},  # 79.2 / 92.5; 87.5 / 95.0
    "items_questions_blind9.tsv": {"external": (0.69, 0.85), "bundled": (0.85, 0.97)},  # 71.7 / 87.5; 87.5 / 100
    "items_questions_blind10.tsv": {"external": (0.66, 0.80), "bundled": (0.87, 0.97)},  # 68.3 / 82.5; 90.0 / 100
    "items_questions_blind11.tsv": {"external": (0.69, 0.88), "bundled": (0.87, 0.92)},  # 71.7 / 90.8; 90.0 / 95.0
    "items_questions_blind12.tsv": {"external": (0.77, 0.88), "bundled": (0.75, 0.85)},  # 79.2 / 90.8; 77.5 / 87.5
    "items_questions_blind13.tsv": {"external": (0.78, 0.88), "bundled": (0.92, 0.95)},  # 80.0 / 90.8; 95.0 / 97.5
    # with the fitted projection (semantic.PROJECTION) from here on
    "items_questions_blind14.tsv": {"external": (0.67, 0.79), "bundled": (0.77, 0.77)},  # 69.2 / 81.7; 80.0 / 80.0
    "items_questions_blind15.tsv": {"external": (0.67, 0.79), "bundled": (0.80, 0.95)},  # 70.0 / 81.7; 82.5 / 97.5
    "items_questions_blind16.tsv": {"external": (0.79, 0.91), "bundled": (0.87, 0.97)},  # 81.7 / 93.3; 90.0 / 100
    "items_questions_blind17.tsv": {"external": (0.73, 0.92), "bundled": (0.87, 0.95)},  # 75.8 / 94.2; 90.0 / 97.5
    "items_questions_blind18.tsv": {"external": (0.82, 0.94), "bundled": (0.85, 0.95)},  # 85.0 / 96.7; 87.5 / 97.5
}
# The whole question embedded (ITEM_SEMANTIC_QUESTION=sentence, the default since blind set 18; 10–30 ms
# a question asked), measured with weight 3 once beside the others (the 80 / 92 met on blind sets 7
# and 8, not on 9), then with weight 5 on blind set 10 (70.0 / 85.0; 95.0 / 100 bundled); the tests run it
# at today's weight 5.
SENTENCE = {
    "items_questions_blind7.tsv": {"external": (0.80, 0.92), "bundled": (0.80, 0.90)},  # 81.7 / 94.2; 85.0 / 92.5
    "items_questions_blind8.tsv": {"external": (0.84, 0.92), "bundled": (0.87, 0.92)},  # 86.7 / 93.3; 90.0 / 95.0
    "items_questions_blind9.tsv": {"external": (0.71, 0.87), "bundled": (0.85, 0.97)},  # 73.3 / 89.2; 87.5 / 100
    "items_questions_blind10.tsv": {"external": (0.68, 0.82), "bundled": (0.92, 0.97)},  # 70.0 / 85.0; 95.0 / 100
    "items_questions_blind11.tsv": {"external": (0.77, 0.90), "bundled": (0.87, 0.92)},  # 79.2 / 92.5; 90.0 / 95.0
    "items_questions_blind12.tsv": {"external": (0.82, 0.87), "bundled": (0.77, 0.92)},  # 84.2 / 89.2; 80.0 / 95.0
    "items_questions_blind13.tsv": {"external": (0.81, 0.90), "bundled": (0.95, 0.95)},  # 83.3 / 92.5; 97.5 / 97.5
    "items_questions_blind14.tsv": {"external": (0.65, 0.79), "bundled": (0.77, 0.77)},  # 67.5 / 81.7; 80.0 / 80.0
    "items_questions_blind15.tsv": {"external": (0.69, 0.81), "bundled": (0.80, 0.97)},  # 71.7 / 83.3; 82.5 / 100
    "items_questions_blind16.tsv": {"external": (0.80, 0.91), "bundled": (0.92, 0.97)},  # 82.5 / 93.3; 95.0 / 100
    "items_questions_blind17.tsv": {"external": (0.75, 0.92), "bundled": (0.87, 0.95)},  # 77.5 / 94.2; 90.0 / 97.5
    "items_questions_blind18.tsv": {"external": (0.82, 0.94), "bundled": (0.90, 0.95)},  # 84.2 / 96.7; 92.5 / 97.5
}


@pytest.fixture(scope="module")
def encoder():
    from portal.nlu.semantic import Encoder

    return Encoder(threads=2)  # ~1,400 names and ~4,000 words to embed: both cores, as CI has them


@pytest.fixture(scope="module")
def semantic_matchers(matcher, bundled_matcher, encoder):
    from portal.nlu.items import ItemMatcher

    return {"external": ItemMatcher(matcher.docs, semantic=encoder),
            "bundled": ItemMatcher(bundled_matcher.docs, semantic=encoder)}


@pytest.fixture(scope="module")
def sentence_matchers(matcher, bundled_matcher, encoder):
    from portal.nlu.items import ItemMatcher

    return {"external": ItemMatcher(matcher.docs, semantic=encoder, semantic_question="sentence"),
            "bundled": ItemMatcher(bundled_matcher.docs, semantic=encoder, semantic_question="sentence")}


def _floors(matchers, dataset, floors, label):
    rows = mixed(dataset)
    for part, (floor_first, floor_top3) in floors.items():
        subset = [row for row in rows if row[1] == part]
        first, top3, misses = mixed_accuracy(matchers, subset)
        print(f"{dataset} {part} ({label}): first {first:.1%}, top-3 {top3:.1%}, n={len(subset)}")
        assert first >= floor_first, (part, misses)
        assert top3 >= floor_top3, (part, misses)


@pytest.mark.parametrize("dataset", SENTENCE)
def test_whole_sentence_reading_keeps_its_gain_on_the_blind_sets(sentence_matchers, dataset):
    _floors(sentence_matchers, dataset, SENTENCE[dataset], "sentence")


@pytest.mark.parametrize("dataset", SEMANTIC)
def test_semantic_reordering_keeps_its_gain_on_the_blind_sets(semantic_matchers, dataset):
    _floors(semantic_matchers, dataset, SEMANTIC[dataset], "words")
