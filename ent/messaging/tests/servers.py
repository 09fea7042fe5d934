"""The mail servers, started in-process for the protocol tests (real imaplib and smtplib clients).

Twisted's reactor runs once per test session in a daemon thread (a reactor cannot restart);
each test listens on a free port and stops listening afterwards. aiosmtpd's controllers run
their own loop thread. The servers reach the test database from their worker threads, so the
tests that use them are marked `django_db(transaction=True)`: their data is committed.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from twisted.internet import threads

from ent.messaging import imap, smtp
from ent.messaging.protocols import Database

PASSWORD = "secret-Passw0rd!"  # the cast's test password
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def reactor() -> Iterator[Any]:
    from twisted.internet import reactor as global_reactor

    twisted_reactor: Any = global_reactor
    if not twisted_reactor.running:
        started = threading.Event()
        twisted_reactor.callWhenRunning(started.set)
        threading.Thread(
            target=twisted_reactor.run,
            kwargs={"installSignalHandlers": False},
            name="twisted-reactor",
            daemon=True,
        ).start()
        assert started.wait(10), "Twisted's reactor did not start"
    return twisted_reactor


@pytest.fixture
def mail_db() -> Iterator[Database]:
    database = Database("test-mail", workers=2)
    yield database
    database.shutdown()


def _imap(reactor: Any, database: Database, **options: Any) -> Iterator[int]:
    listening = threads.blockingCallFromThread(
        reactor, lambda: imap.listen(database=database, host=HOST, port=0, **options)
    )
    yield listening.getHost().port
    threads.blockingCallFromThread(reactor, listening.stopListening)


@pytest.fixture
def imap_port(reactor: Any, mail_db: Database) -> Iterator[int]:
    """An IMAP server as in the embedded demo: sign-in allowed without TLS."""
    yield from _imap(reactor, mail_db, allow_plaintext=True)


@pytest.fixture
def strict_imap_port(reactor: Any, mail_db: Database) -> Iterator[int]:
    """An IMAP server as in production without a certificate: no sign-in in clear."""
    yield from _imap(reactor, mail_db, allow_plaintext=False)


@pytest.fixture
def submission_port(mail_db: Database) -> Iterator[int]:
    port = free_port()
    controller = smtp.submission_controller(mail_db, host=HOST, port=port, allow_plaintext=True)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def inbound_port(mail_db: Database) -> Iterator[int]:
    port = free_port()
    controller = smtp.inbound_controller(mail_db, host=HOST, port=port)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, as an operator would give the servers."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ent.localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def client_tls(cert_file: str) -> Any:
    """A client context that trusts only the test certificate."""
    import ssl

    return ssl.create_default_context(cafile=cert_file)


@pytest.fixture
def imaps_port(reactor: Any, mail_db: Database, tls_files: tuple[str, str]) -> Iterator[int]:
    """IMAP over TLS from the first byte (IMAPS), as in production."""
    cert_file, key_file = tls_files
    yield from _imap(reactor, mail_db, cert_file=cert_file, key_file=key_file, implicit_tls=True)


@pytest.fixture
def tls_submission_port(mail_db: Database, tls_files: tuple[str, str]) -> Iterator[int]:
    """Submission as in production: STARTTLS first, then AUTH."""
    import ssl

    cert_file, key_file = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    port = free_port()
    controller = smtp.submission_controller(mail_db, host=HOST, port=port, tls=context)
    controller.start()
    yield port
    controller.stop()
