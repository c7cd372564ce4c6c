"""Work a serving process does as it starts, in a background thread so that it starts listening
at once: building the catalogue index (jieba's dictionary, the matcher) before the first resident
asks. Called by the WSGI and ASGI entry points only, so ``manage.py`` commands and tests are not
slowed; ``SERVER_WARM_UP`` lists the dotted paths of the functions to run (empty: none)."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run() -> None:
    for path in getattr(settings, "SERVER_WARM_UP", ()):
        try:
            import_string(path)()
        except Exception:  # a failed warm-up only means the first request does the work
            logger.exception("warm-up %s failed", path)
        finally:
            close_old_connections()


def start() -> threading.Thread | None:
    if not getattr(settings, "SERVER_WARM_UP", ()):
        return None
    thread = threading.Thread(target=run, name="server-warm-up", daemon=True)
    thread.start()
    return thread
