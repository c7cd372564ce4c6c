"""ASGI entry point: HTTP and WebSocket from one process (``make run``), or WebSocket only
behind a proxy in production (see docs/deployment.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from portal import warmup  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

warmup.start()  # the catalogue index is built in the background while the server starts listening

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
