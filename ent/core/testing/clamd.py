"""A real ClamAV daemon for tests (UTI-CCO-CEL-19, UTI-UTL-ESF-09).

freshclam cannot reach the Internet here, so the daemon loads a signature database made by the
project: the EICAR test file by its MD5 hash (`.hdb`) and by a body pattern (`.ndb`), so EICAR is
found even inside a larger file or an e-mail. Debian's `clamav-daemon` provides `clamd`
(scripts/system-packages installs it).

    with running_clamd() as daemon:
        daemon.address   # "127.0.0.1:PORT", the value for ENT_CLAMD_ADDRESS
        daemon.socket    # the unix socket path, the value for ENT_CLAMD_SOCKET

The root conftest exposes it as the `clamd` fixture.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Eicar-Test-Signature"
# ClamAV marks signatures from a database it did not sign itself: the name a scan reports.
DETECTED_NAME = f"{SIGNATURE}.UNOFFICIAL"
START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Clamd:
    address: str  # "127.0.0.1:PORT"
    socket: str  # unix socket path
    process: subprocess.Popen[bytes]

    def ping(self) -> bool:
        """Whether the daemon answers PING with PONG on its TCP port."""
        return ping(self.address)


def write_signatures(folder: Path) -> None:
    """Write the project's signature database: EICAR by hash and by body pattern."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.md5(EICAR).hexdigest()  # noqa: S324 (ClamAV's .hdb format is MD5)
    (folder / "ent-test.hdb").write_text(f"{digest}:{len(EICAR)}:{SIGNATURE}\n")
    # Target type 0 (any file), offset * (anywhere): EICAR inside a message or an archive member.
    (folder / "ent-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(address: str, timeout: float = 1.0) -> bool:
    """Whether clamd at `address` ("host:port") answers PING."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(64).rstrip(b"\0").strip() == b"PONG"
    except OSError:
        return False


def _config(folder: Path, port: int) -> Path:
    lines = [
        "Foreground yes",
        f"DatabaseDirectory {folder / 'db'}",
        f"LocalSocket {folder / 'clamd.sock'}",
        "LocalSocketMode 600",
        f"TCPSocket {port}",
        "TCPAddr 127.0.0.1",
        f"PidFile {folder / 'clamd.pid'}",
        f"LogFile {folder / 'clamd.log'}",
        f"TemporaryDirectory {folder}",
        "LogTime yes",
        "StreamMaxLength 64M",
        "MaxThreads 4",
        "ReadTimeout 30",
        "SelfCheck 0",
        "Bytecode no",
    ]
    path = folder / "clamd.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def running_clamd() -> Iterator[Clamd]:
    """Start clamd on a free local port and a private unix socket, stop it on exit."""
    executable = shutil.which("clamd") or "/usr/sbin/clamd"
    if not Path(executable).exists():
        raise RuntimeError("clamd is missing: run scripts/system-packages (clamav-daemon)")
    folder = Path(tempfile.mkdtemp(prefix="ent-clamd-"))
    write_signatures(folder / "db")
    port = free_port()
    conf = _config(folder, port)
    process = subprocess.Popen(  # noqa: S603 (fixed argument list, no shell)
        [executable, "--config-file", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    daemon = Clamd(address=f"127.0.0.1:{port}", socket=str(folder / "clamd.sock"), process=process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not daemon.ping():
            if process.poll() is not None:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                stderr = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"clamd exited ({process.returncode}): {stderr}{log}")
            if time.monotonic() > deadline:
                raise RuntimeError("clamd did not answer PING in time")
            time.sleep(0.1)
        yield daemon
    finally:
        stop(daemon)
        shutil.rmtree(folder, ignore_errors=True)


def stop(daemon: Clamd) -> None:
    """Stop the daemon (idempotent); a test may call it to see the scanner go down."""
    if daemon.process.poll() is None:
        daemon.process.terminate()
        try:
            daemon.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.process.kill()
            daemon.process.wait()
    if daemon.process.stderr:
        daemon.process.stderr.close()
