"""Antivirus scanning (UTI-CCO-CEL-19, UTI-UTL-ESF-09) through ClamAV's daemon.

`scan(data)` answers a `Verdict`. With ENT_CLAMD_SOCKET or ENT_CLAMD_ADDRESS set, the scan is a
hard gate: a caller delivers or stores only what came back CLEAN, keeps INFECTED content in
quarantine and holds UNAVAILABLE content (daemon down, timeout) until a later scan. With neither
set (the embedded default), every verdict is UNSCANNED and callers accept the content, saying so.

The client speaks clamd's documented INSTREAM command: size-prefixed chunks, then one reply line.
"""

from __future__ import annotations

import enum
import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024


class Status(enum.StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    UNAVAILABLE = "unavailable"
    UNSCANNED = "unscanned"


@dataclass(frozen=True)
class Verdict:
    status: Status
    # The signature's name for INFECTED ("Eicar-Test-Signature"); why for UNAVAILABLE.
    detail: str = ""

    @property
    def deliverable(self) -> bool:
        """Whether the content may reach anyone: scanned clean, or no scanner configured."""
        return self.status in (Status.CLEAN, Status.UNSCANNED)


def configured() -> bool:
    return bool(settings.ENT_CLAMD_SOCKET or settings.ENT_CLAMD_ADDRESS)


def _connect() -> socket.socket:
    timeout = settings.ENT_CLAMD_TIMEOUT_SECONDS
    if settings.ENT_CLAMD_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(settings.ENT_CLAMD_SOCKET)
        return sock
    host, _, port = settings.ENT_CLAMD_ADDRESS.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port or 3310)), timeout=timeout)


def scan(data: bytes) -> Verdict:
    """Scan `data` and answer what ClamAV found; never raises for a scanner problem."""
    if not configured():
        return Verdict(Status.UNSCANNED)
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except (OSError, ValueError) as error:
        logger.warning("Antivirus unavailable: %s", error)
        return Verdict(Status.UNAVAILABLE, str(error))
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
    if answer.endswith(" OK"):
        return Verdict(Status.CLEAN)
    if answer.endswith(" FOUND"):
        name = answer.removeprefix("stream:").removesuffix("FOUND").strip()
        return Verdict(Status.INFECTED, name)
    logger.warning("Antivirus answered %r", answer)
    return Verdict(Status.UNAVAILABLE, answer or "no answer")
