"""Paths to the external evaluation data (../shared/data/external, beside the repository).

Evaluation data only: never copied into the product's catalogue, lexicons or examples."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

EVAL_DIR = Path(__file__).resolve().parent
REPO = EVAL_DIR.parent.parent


def _external_dir() -> Path:
    """``EXTERNAL_DATA_DIR``, else ``../shared/data/external`` beside the checkout, else the
    workplace's shared folder (a clone elsewhere, e.g. CI's, still finds the data)."""
    import os

    candidates = [os.environ.get("EXTERNAL_DATA_DIR"), REPO.parent / "shared" / "data" / "external",
                  "/work/shared/data/external"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "zwfw-guangan-items.csv").exists():
            return Path(candidate)
    return REPO.parent / "shared" / "data" / "external"


EXTERNAL = _external_dir()
CATALOGUE_CSV = EXTERNAL / "zwfw-guangan-items.csv"
SMP_TSV = EXTERNAL / "smp2017-ecdt-domains.tsv"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"external evaluation data not found at {path}")
    return path


def catalogue_rows(path: Path = CATALOGUE_CSV) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def catalogue_docs(path: Path = CATALOGUE_CSV):
    from portal.nlu.items import ItemDoc

    return [
        ItemDoc(id=row["code"], name=row["name"], department=row["department"],
                category="" if row["group"] == "未分类" else row["group"])
        for row in catalogue_rows(path)
    ]


def labelled(name: str) -> list[list[str]]:
    """Rows of a TAB-separated labelled file in tests/eval/ (``#`` lines are comments)."""
    rows = []
    for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows
