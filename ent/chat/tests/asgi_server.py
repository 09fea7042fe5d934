"""A real Daphne server for the browser tests: HTTP and WebSocket on one port, as in production.

Twisted's reactor runs once per process, so one server serves every test of the process, in a
daemon thread; it reads the test database like pytest-django's live server does.
"""

from __future__ import annotations

import socket
import threading
import time

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

_started: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def daphne_url() -> str:
    """Start Daphne on ent.asgi (once) and return its base URL."""
    if "url" in _started:
        return _started["url"]
    from daphne.server import Server

    from ent.asgi import application

    port = _free_port()
    server = Server(
        application=ASGIStaticFilesHandler(application),
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
    )
    threading.Thread(target=server.run, name="daphne", daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        raise RuntimeError("Daphne did not start")
    _started["url"] = f"http://127.0.0.1:{port}"
    return _started["url"]
