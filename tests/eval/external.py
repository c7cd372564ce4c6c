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
    """Rows of a TAB-separated labelled file in tests/eval/, or at an absolute path (``#`` lines are
    comments)."""
    rows = []
    for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


FIXTURES = REPO / "services" / "fixtures"


def bundled_docs():
    """The bundled catalogue (``services/fixtures``) as matcher documents, built the way
    ``services.search.documents`` builds them from the database (life events and the start of the
    summary as ``extra``), without Django."""
    import yaml

    from portal.nlu.items import ItemDoc

    events = {e["code"]: e["name"] for e in yaml.safe_load((FIXTURES / "life_events.yaml").read_text("utf-8"))}
    docs = []
    for path in sorted(FIXTURES.glob("catalogue-*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["items"]:
            record = {**data.get("defaults", {}), **entry}
            extra = [events.get(e, e) for e in record.get("life_events", [])]
            if record.get("summary"):
                extra.append(record["summary"][:120])
            docs.append(ItemDoc(id=record["code"], name=record["name"], aliases=tuple(record.get("aliases") or ()),
                                keywords=tuple(record.get("keywords") or ()), department=record["department"],
                                category=record.get("group") or record.get("category") or "", extra=" ".join(extra),
                                frequent=bool(record.get("frequent"))))
    return docs


def mixed(name: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Rows of a mixed labelled set: (question, "external" or "bundled", acceptable labels) —
    names for the external catalogue, codes for the bundled one."""
    return [(q, catalogue, tuple(labels.split("|"))) for q, catalogue, labels in labelled(name)]
