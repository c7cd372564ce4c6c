"""WebSocket routes of every app, gathered for the ASGI application."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import URLPattern, path, re_path

from booking.consumers import AvailabilityConsumer
from portal.chat.consumers import ChatConsumer


class NoSuchRoute(AsyncWebsocketConsumer):
    """Any other WebSocket path: refused (close code 4404, HTTP 403 to the handshake). Without it
    channels' router raises, which the server answers with a 500."""

    async def connect(self) -> None:
        await self.close(code=4404)


websocket_urlpatterns: list[URLPattern] = [
    path("ws/chat/", ChatConsumer.as_asgi()),
    path("ws/venues/<int:venue_id>/availability/", AvailabilityConsumer.as_asgi()),
    re_path(r"", NoSuchRoute.as_asgi()),
]
