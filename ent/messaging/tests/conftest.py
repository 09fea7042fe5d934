from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """The cast with its classes and people of spec-context §7."""
    return build_world(cast)


@pytest.fixture
def delivered(django_capture_on_commit_callbacks) -> Callable[[], Any]:
    """Run what an action leaves for after the commit (delivery, notifications) at the end of
    the `with` block, as the task backend would."""

    def run() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def scanner_down(settings) -> None:
    """An antivirus configured on a port where nothing answers: every scan is UNAVAILABLE."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ENT_CLAMD_SOCKET = ""
    settings.ENT_CLAMD_ADDRESS = f"127.0.0.1:{port}"
    settings.ENT_CLAMD_TIMEOUT_SECONDS = 2


class _Relay:
    """What the académie's relay received: (envelope from, recipients, bytes) per message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def relay(settings) -> Iterator[_Relay]:
    """A real SMTP server (aiosmtpd) on a free port, standing for the académie's relay."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.ENT_MAIL_RELAY_HOST = "127.0.0.1"
    settings.ENT_MAIL_RELAY_PORT = port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read the interface's English wording (browsers still ask for French)."""
