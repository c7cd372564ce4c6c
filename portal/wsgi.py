"""WSGI entry point: REST under gunicorn in production (sync DRF views run ~4x faster under WSGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from booking import gate  # noqa: E402  (needs Django set up)
from portal import warmup  # noqa: E402

# Booking attempts on a slot seen sold out a moment ago are refused before Django (booking/gate.py).
application = gate.wsgi(application)

warmup.start()  # the catalogue index is built in the background while the server starts listening
