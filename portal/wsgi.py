"""WSGI entry point: REST under granian in production (sync DRF views run ~4x faster under WSGI than
under ASGI; docs/deployment.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from booking import gate  # noqa: E402  (needs Django set up)
from portal import warmup  # noqa: E402

# Keys of a request's environ that are the request's own even when the server's environment has
# the same name (the CGI variables of PEP 3333).
CGI_KEYS = frozenset({
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "GATEWAY_INTERFACE",
    "REMOTE_ADDR", "REMOTE_PORT", "REMOTE_HOST", "REMOTE_USER", "HTTPS", "RAW_URI", "REQUEST_URI",
})


def without_process_environment(app, process_environment=None):
    """``app`` seeing only the request in its environ.

    granian, like CGI, starts every request's environ from a copy of the server process's
    environment — ``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL`` … would be in ``request.META``,
    which Django's error reports print. The variables the process had at start-up are taken out
    again (the CGI variables, and any key whose value differs — the request's own header — stay).
    Under a server that does not copy its environment nothing matches and nothing is removed.
    """
    process = dict(os.environ if process_environment is None else process_environment)
    names = frozenset(process) - CGI_KEYS

    def clean(environ, start_response):
        for key in names & environ.keys():
            if environ[key] == process[key]:
                del environ[key]
        return app(environ, start_response)

    return clean


# Booking attempts on a slot seen sold out a moment ago are refused before Django (booking/gate.py).
application = without_process_environment(gate.wsgi(application))

warmup.start()  # the catalogue index is built in the background while the server starts listening
