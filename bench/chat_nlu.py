"""Chat NLU bench: intent and slot accuracy on the labelled sets, out-of-scope false accepts on
SMP2017 (all domains but chat and health), classifier latency — beside the naive baseline (rapidfuzz
WRatio of the raw message against a handful of example phrases per intent) measured in the same run.

    .venv/bin/python bench/chat_nlu.py [--catalogue]

``--catalogue`` loads the bundled service catalogue into a throw-away test database and adds its
matches as evidence for ``service.search``, as the running product does. Prints one JSON object.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from tests.eval import chat_eval  # noqa: E402
from tests.eval.external import SMP_TSV  # noqa: E402

SETS = {
    "development": "chat_messages.tsv",
    "fresh": "chat_messages_fresh.tsv",
    "holdout": "chat_messages_holdout.tsv",
    "final_holdout": "chat_messages_final.tsv",
}


class _WithCatalogue:
    """The classifier plus the catalogue evidence the chat adds in production."""

    def __init__(self, classifier):
        from portal.chat.actions import _catalogue_evidence

        self.classifier, self.evidence = classifier, _catalogue_evidence

    def classify(self, text, now=None):
        return self.classifier.classify(text, now=now, evidence=self.evidence(text))


def main() -> None:
    if "--catalogue" in sys.argv:
        from django.test.runner import DiscoverRunner
        from django.test.utils import setup_test_environment

        setup_test_environment()
        runner = DiscoverRunner(verbosity=0, interactive=False)
        old = runner.setup_databases()
        try:
            from services import demo

            demo.load_catalogue()
            run(_WithCatalogue(chat_eval.classifier()), catalogue=True)
        finally:
            runner.teardown_databases(old)
    else:
        run(chat_eval.classifier(), catalogue=False)


def run(classifier, *, catalogue: bool) -> None:
    classifier.classify("预热")
    gc.collect()
    gc.freeze()
    result: dict = {"catalogue_evidence": catalogue, "sets": {}}
    all_rows = []
    for label, name in SETS.items():
        rows = chat_eval.load(name)
        all_rows += rows
        report = chat_eval.evaluate(classifier, rows)
        result["sets"][label] = {
            "messages": len(rows),
            "intent_accuracy": {k: round(v, 4) for k, v in report["intent_accuracy"].items()},
            "by_language": report["n"],
            "slot_accuracy": round(report["slot_accuracy"], 4),
            "slots_checked": report["slot_n"],
            "naive_baseline": round(chat_eval.naive_baseline(rows), 4),
        }
    overall = chat_eval.evaluate(classifier, all_rows)
    naive = chat_eval.naive_baseline(all_rows)
    chinese = overall["intent_accuracy"]["zh"]
    result["all"] = {
        "messages": len(all_rows),
        "intent_accuracy": {k: round(v, 4) for k, v in overall["intent_accuracy"].items()},
        "slot_accuracy": round(overall["slot_accuracy"], 4),
        "naive_baseline": round(naive, 4),
        "ratio_to_baseline": round((sum(r["intent"] == classifier.classify(r["text"], now=chat_eval.NOW).intent
                                        for r in all_rows) / len(all_rows)) / naive, 2),
        "classifier_p50_ms": round(overall["p50_ms"], 3),
        "classifier_p99_ms": round(overall["p99_ms"], 3),
    }
    if SMP_TSV.exists():
        sentences = chat_eval.smp_out_of_scope()
        fa = chat_eval.false_accepts(classifier, sentences)
        result["smp2017_out_of_scope"] = {
            "sentences": fa["n"],
            "accepted_as_domain_intent": round(fa["accepted_rate"], 4),
            "given_a_domain_intent_incl_clarify": round(fa["domain_intent_rate"], 4),
            "examples": fa["accepted"][:10],
        }
    result["targets"] = {"intent_zh": 0.92, "intent_en": 0.80, "slots": 0.90, "false_accepts": 0.05}
    result["chinese_accuracy_all_sets"] = round(chinese, 4)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
