"""The chat's WebSocket routes, mounted by ent.asgi."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
