"""The client address rate limits count by (django-ratelimit's ``RATELIMIT_IP_META_KEY`` callable).

django-ratelimit reads a ``request.META`` key and fails the request with ``ImproperlyConfigured`` —
a 500 on every login and chat message — when the key is missing or empty, as it is for a server
behind a proxy on a Unix socket that forwards no address. Here the key is ``RATELIMIT_CLIENT_META_KEY``
(``REMOTE_ADDR`` by default; behind a proxy ``HTTP_X_REAL_IP``, or ``HTTP_X_FORWARDED_FOR`` whose
*last* address is taken: the one the proxy appended — any earlier one is whatever the client sent,
and trusting it would let anyone pick their own bucket), and a request without a usable address
counts under one shared address, with one warning per process, instead of failing.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)
SHARED = "0.0.0.0"  # noqa: S104 (a rate-limit bucket, not an address to bind)
_warned = False


def client_address(request) -> str:
    global _warned
    raw = request.META.get(settings.RATELIMIT_CLIENT_META_KEY) or ""
    try:
        return str(ipaddress.ip_address(raw.split(",")[-1].strip()))
    except ValueError:
        if not _warned:
            _warned = True
            logger.warning("no client address in %s: requests without one share one rate limit "
                           "(set RATELIMIT_IP_META_KEY to where the proxy puts it)", settings.RATELIMIT_CLIENT_META_KEY)
        return SHARED
