"""WebSocket routes of every app, gathered for the ASGI application."""

from django.urls import URLPattern, path

from booking.consumers import AvailabilityConsumer
from portal.chat.consumers import ChatConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/chat/", ChatConsumer.as_asgi()),
    path("ws/venues/<int:venue_id>/availability/", AvailabilityConsumer.as_asgi()),
]
