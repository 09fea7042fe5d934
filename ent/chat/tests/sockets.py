"""A signed-in WebSocket client on the real ASGI application (ent.asgi), for the tests."""

from __future__ import annotations

from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from ent.asgi import application
from ent.directory.models import User

PATH = "/ws/tchat/"


def session_cookie(person: User) -> str:
    """Open a session for `person` as the login page would, and return its cookie."""
    client = Client()
    client.force_login(person)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(person: User | None = None, *, origin: str = "http://localhost") -> Any:
    """Return a WebSocket client for the chat, signed in as `person` (anonymous when None)."""
    headers = [(b"origin", origin.encode())]
    if person is not None:
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(person)}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


async def frames_until(socket: Any, kind: str, *, timeout: float = 15) -> dict[str, Any]:
    """Read frames until one of `kind` arrives, and return it."""
    while True:
        frame: dict[str, Any] = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
