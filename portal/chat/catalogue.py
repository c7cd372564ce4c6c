"""Where the chat finds the 一网通办 catalogue: a dotted path in ``CHAT_CATALOGUE_MATCHER`` to a
function returning the services app's :class:`~portal.nlu.items.ItemMatcher` (kept up to date by
that app). Until the services app provides it, the chat has no catalogue and ``service.search``
says what will be possible."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from portal.nlu.items import ItemMatcher, question_words
from portal.nlu.lexicon import tokens
from portal.nlu.normalize import without_emoji

logger = logging.getLogger(__name__)


def catalogue_matcher() -> ItemMatcher | None:
    path = getattr(settings, "CHAT_CATALOGUE_MATCHER", "")
    if not path:
        return None
    try:
        factory = import_string(path)
    except ImportError:
        return None
    try:
        return factory()
    except Exception:  # the catalogue being unavailable must not break the chat
        logger.exception("catalogue matcher %s failed", path)
        return None


def service_query(text: str) -> str:
    """The words of a question that name the matter (宝宝刚出生要办哪些手续 → 宝宝出生)."""
    from portal.chat.understanding import classifier

    lexicon = classifier().lexicon  # includes the synonyms editors added
    canonical = lexicon.canonicalize(without_emoji(text)).text
    stop = question_words()
    return "".join(t for t in tokens(canonical, lexicon) if t not in stop and t.strip())
