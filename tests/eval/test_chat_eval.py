"""Chat understanding on the team's labelled messages (typos, pinyin, traditional, colloquial,
emoji, English) and on out-of-scope SMP2017 sentences. Thresholds are the issue's targets.

chat_messages.tsv was tuned on; chat_messages_fresh.tsv and chat_messages_holdout.tsv were written
later (their accuracy before any tuning is recorded in docs/benchmarks.md); chat_messages_final.tsv
was written last and never tuned on."""

from __future__ import annotations

import pytest

from tests.eval import chat_eval
from tests.eval.external import SMP_TSV, require


@pytest.fixture(scope="module")
def classifier(django_db_blocker):
    with django_db_blocker.unblock():
        return chat_eval.classifier()


@pytest.mark.parametrize(
    "dataset",
    ["chat_messages.tsv", "chat_messages_fresh.tsv", "chat_messages_holdout.tsv", "chat_messages_final.tsv"],
)
def test_intents_and_slots_meet_the_targets(classifier, dataset):
    rows = chat_eval.load(dataset)
    report = chat_eval.evaluate(classifier, rows)
    print(dataset, {k: v for k, v in report.items() if k != "misses"})
    assert report["intent_accuracy"]["zh"] >= 0.92, report["misses"]
    assert report["intent_accuracy"]["en"] >= 0.80, report["misses"]
    assert report["slot_accuracy"] >= 0.90, report["misses"]


def test_the_labelled_set_is_large_and_varied():
    rows = chat_eval.load("chat_messages.tsv")
    assert len(rows) >= 300
    intents = {r["intent"] for r in rows}
    assert len(intents) == 18  # every intent of DESIGN §5
    assert sum(r["lang"] == "en" for r in rows) >= 20
    assert sum(r["text"].isascii() and r["lang"] == "zh" for r in rows) >= 10  # toneless pinyin


def test_understanding_is_far_beyond_the_naive_baseline(classifier):
    rows = chat_eval.load("chat_messages_fresh.tsv")
    ours = sum(classifier.classify(r["text"], now=chat_eval.NOW).intent == r["intent"] for r in rows) / len(rows)
    assert ours >= 2 * chat_eval.naive_baseline(rows)


def test_out_of_scope_sentences_are_rarely_given_a_domain_intent(classifier):
    require(SMP_TSV)
    result = chat_eval.false_accepts(classifier, chat_eval.smp_out_of_scope())
    assert result["n"] > 2000
    assert result["accepted_rate"] <= 0.05, result["accepted"][:20]
    assert result["domain_intent_rate"] <= 0.05, result["given"][:20]
