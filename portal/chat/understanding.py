"""The NLU as the chat uses it: the skills' intents plus what editors added in the admin.

Each process keeps one classifier and rebuilds it when the shared version number in the cache
changes (an editor mapped a question), so an admin edit reaches every worker without a deploy.
"""

from __future__ import annotations

import threading
import time

from django.core.cache import cache

from portal.chat import registry
from portal.nlu.intents import IntentClassifier
from portal.nlu.lexicon import Lexicon, default_lexicon

VERSION_KEY = "chat:nlu-version"
_lock = threading.Lock()
_built: dict = {"version": None, "classifier": None}


def _build() -> IntentClassifier:
    from portal.chat.models import LexiconEntry

    entries = list(LexiconEntry.objects.filter(active=True).values_list("phrase", "intent", "item_name"))
    synonyms = [(phrase, item_name) for phrase, _intent, item_name in entries if item_name]
    lexicon = Lexicon(extra=synonyms) if synonyms else default_lexicon()
    examples = [(phrase, intent) for phrase, intent, _item in entries]
    return IntentClassifier(registry.specs(), lexicon=lexicon, extra_examples=examples)


def classifier() -> IntentClassifier:
    version = cache.get(VERSION_KEY, 0)
    if _built["classifier"] is None or _built["version"] != version:
        with _lock:
            if _built["classifier"] is None or _built["version"] != version:
                _built["classifier"] = _build()
                _built["version"] = version
    return _built["classifier"]


def bump_version() -> None:
    """Tell every process to rebuild its classifier (after an editor's change)."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)
