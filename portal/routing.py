"""WebSocket routes of every app, gathered for the ASGI application."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
