"""The chat's WebSocket routes, mounted by ent.asgi."""

from django.urls import URLPattern, path

from .consumers import ChatConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/tchat/", ChatConsumer.as_asgi(), name="chat-socket"),
]
