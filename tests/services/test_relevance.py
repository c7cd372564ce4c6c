"""Relevance of search over both catalogues, through the services search path (the one the API and
the chat skill use): colloquial questions → the expected item.

``relevance_bundled.tsv``: questions over the bundled Pudong-style catalogue (303 items).
``relevance_external.tsv``: questions over the external catalogue (1,135 items of another region)
imported with ``import_catalogue`` as it is. Both sets were written by the services team as a
resident would ask; they are not copies of item names or aliases (checked below).
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from services import queries
from tests.eval.external import CATALOGUE_CSV, require

HERE = Path(__file__).resolve().parent


def labelled(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            question, expected = line.split("\t")[:2]
            rows.append((question, expected))
    return rows


def measure(rows, key) -> tuple[float, float, list]:
    first = top3 = 0
    misses = []
    for question, expected in rows:
        hits = queries.items_search(query=question, limit=3).hits
        got = [key(hit.item) for hit in hits]
        first += got[:1] == [expected]
        top3 += expected in got
        if got[:1] != [expected]:
            misses.append((question, expected, got))
    return first / len(rows), top3 / len(rows), misses


@pytest.mark.django_db
def test_colloquial_questions_find_the_right_bundled_item():
    from services import demo

    demo.load_catalogue()
    rows = labelled("relevance_bundled.tsv")
    assert len(rows) >= 70
    first, top3, misses = measure(rows, key=lambda item: item.code)
    print(f"bundled catalogue: first {first:.1%}, top-3 {top3:.1%}, n={len(rows)}; misses: {misses}")
    # Measured 92.2 % / 98.7 % after the matcher read steps apart from the matter (84.4 % / 93.5 % before).
    assert first >= 0.88, misses
    assert top3 >= 0.95, misses


@pytest.mark.django_db
def test_colloquial_questions_find_the_right_item_in_the_imported_external_catalogue():
    require(CATALOGUE_CSV)
    call_command("import_catalogue", str(CATALOGUE_CSV), "--no-progress", stdout=StringIO())
    rows = labelled("relevance_external.tsv")
    assert len(rows) >= 40
    first, top3, misses = measure(rows, key=lambda item: item.name)
    print(f"external catalogue: first {first:.1%}, top-3 {top3:.1%}, n={len(rows)}; misses: {misses}")
    # The shared matcher measured 73 % first / 78 % top-3 here when it was wired in; after its rework
    # (driven by other sets) 82.9 % / 95.1 % on first sight, then 92.7 % / 100 % once these misses
    # were also diagnosed (general fixes only; see docs/benchmarks.md). Guards a little below that.
    assert first >= 0.88, misses
    assert top3 >= 0.95, misses


def test_questions_are_not_copies_of_item_names_or_aliases():
    import yaml

    known = set()
    for path in (HERE.parent.parent / "services" / "fixtures").glob("catalogue-*.yaml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            known |= {item["name"], *item.get("aliases", [])}
    for question, _ in labelled("relevance_bundled.tsv"):
        assert question not in known, question
    for question, name in labelled("relevance_external.tsv"):
        assert question != name, question
