"""Fit the question projection of the semantic item reading (``portal/nlu/semantic.py``).

    .venv/bin/python scripts/fit_question_projection.py [--without SET ...] [--out PATH]

A question read by its words alone (the sum of its words' vectors) lands far from where the model
puts the whole question: as a search over the names it finds the right item first for about one
question in seven, the whole question embedded for two in three. This fits a linear map (ridge
regression) from what the words and characters say (``Encoder.features``) to the model's vector of
the whole question, on texts of our own — the questions of our labelled sets (their wording only;
labels are not used), the chat's example messages and the bundled catalogue's names, aliases and
keywords — never on the external catalogue's names. A question then costs one 768 × 384 product
instead of a model run (~20 ms).

The words the reading takes whole are those of the catalogue a deployment searches: the bundled
one and the external one imported beside it, as in the evaluation. Leave a question set out with
``--without`` to measure on it afterwards (a blind set must be left out before it is measured).
Takes ~2 minutes of one core (every text run through the model once). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portal.nlu.items import ItemMatcher  # noqa: E402
from portal.nlu.semantic import DIMENSIONS, PROJECTION, Encoder  # noqa: E402
from tests.eval.external import bundled_docs, catalogue_docs, labelled  # noqa: E402

RIDGE = 0.001  # 1e-4 to 3e-3 alike on blind sets 7–13 left out; 0.1 and more lose
LABELLED = (REPO / "tests" / "eval", REPO / "tests" / "services")


def texts(without: set[str]) -> tuple[list[str], list[str]]:
    """Our own texts (first column of every labelled set not left out, bundled names, aliases and
    keywords), each once, and the sets they came from."""
    out: list[str] = []
    used = []
    for folder in LABELLED:
        for path in sorted(folder.glob("*.tsv")):
            if path.name in without or not path.name.startswith(("items_questions", "chat_messages", "relevance_")):
                continue
            used.append(path.name)
            out += [row[0] for row in labelled(str(path))]  # an absolute path reads that file
    for doc in bundled_docs():
        out += [doc.name, *doc.aliases, *doc.keywords]
    return list(dict.fromkeys(t.strip() for t in out if t.strip())), used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--without", nargs="*", default=[], help="labelled sets (file names) to leave out")
    parser.add_argument("--ridge", type=float, default=RIDGE)
    parser.add_argument("--out", type=Path, default=PROJECTION)
    args = parser.parse_args()
    began = time.perf_counter()
    encoder = Encoder()
    encoder.projection = None  # the features and targets are the model's own
    matcher = ItemMatcher(catalogue_docs() + bundled_docs(), semantic=encoder)
    questions, used = texts(set(args.without))
    features, targets = [], []
    for text in questions:
        units = matcher.question_units(text)
        found = encoder.features(units, matcher.question_characters(text))
        if found is None or found.shape[0] != 2 * DIMENSIONS:
            continue
        features.append(found)
        targets.append(encoder.query(text))
    x, y = np.stack(features), np.stack(targets).astype(np.float32)
    feature_mean, target_mean = x.mean(axis=0), y.mean(axis=0)
    centred = x - feature_mean
    weights = np.linalg.solve(centred.T @ centred + args.ridge * np.eye(centred.shape[1]),
                              centred.T @ (y - target_mean))
    fitted = centred @ weights + target_mean
    fitted /= np.linalg.norm(fitted, axis=1, keepdims=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, model_id=np.array(encoder.model_id), feature_mean=feature_mean.astype(np.float32),
                        target_mean=target_mean.astype(np.float32),
                        weights=weights.astype(np.float16),  # half the file (weights are all under 2)
                        sets=np.array(used), ridge=np.array(args.ridge))
    agreement = float(np.mean(np.sum(fitted * y, axis=1)))  # cosine to the model's own vector
    print(json.dumps({"texts": len(questions), "fitted": len(features), "sets": used, "left_out": args.without,
                      "ridge": args.ridge, "mean_cosine_on_fitted_texts": round(agreement, 4),
                      "out": str(args.out), "seconds": round(time.perf_counter() - began, 1)},
                     ensure_ascii=False, indent=1))

if __name__ == "__main__":
    main()
