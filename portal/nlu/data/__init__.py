"""Data files of the NLU core: plain UTF-8 text that catalogue editors can extend.

Format of every ``.tsv`` here: one entry a line, columns separated by a TAB, ``#`` starts a
comment, blank lines are ignored.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


@cache
def read_tsv(name: str) -> tuple[tuple[str, ...], ...]:
    rows = []
    for raw in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        rows.append(tuple(col.strip() for col in line.split("\t")))
    return tuple(rows)


@cache
def read_lines(name: str) -> tuple[str, ...]:
    return tuple(row[0] for row in read_tsv(name))
