"""`ent messaging_servers all|imap|smtp`: serve the ENT's mailboxes to standard mail clients.

IMAP (Twisted) and SMTP submission and inbound (aiosmtpd) over the ENT's store (UTI-CCO-CEL-01).
Ports come from ENT_IMAP_PORT, ENT_SMTP_SUBMISSION_PORT and ENT_SMTP_INBOUND_PORT; TLS from
ENT_MAIL_TLS_CERT_FILE and ENT_MAIL_TLS_KEY_FILE. Outside the embedded mode, IMAP and submission
refuse to start without TLS: passwords never cross the network in clear. See docs/mail.md.
"""

from __future__ import annotations

import signal
import ssl
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ent.messaging import imap, smtp
from ent.messaging.protocols import Database


class Command(BaseCommand):
    help = (
        "Mail for standard clients: IMAP, SMTP submission (AUTH) and inbound SMTP from the "
        "académie's relay. Runs until stopped (Ctrl-C, SIGTERM)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("all", "IMAP, submission and inbound SMTP"),
            ("imap", "IMAP only"),
            ("smtp", "submission and inbound SMTP only"),
        ):
            sub = commands.add_parser(name, help=text)
            sub.add_argument(
                "--host",
                default="127.0.0.1" if settings.EMBEDDED else "0.0.0.0",  # noqa: S104 (a server's listening address)
                help="address to listen on",
            )
            sub.add_argument(
                "--imap-tls",
                choices=("implicit", "starttls"),
                default="implicit",
                help="with a certificate: TLS from the first byte (IMAPS, default) or STARTTLS",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        cert, key = settings.ENT_MAIL_TLS_CERT_FILE, settings.ENT_MAIL_TLS_KEY_FILE
        if bool(cert) != bool(key):
            raise CommandError("Set both ENT_MAIL_TLS_CERT_FILE and ENT_MAIL_TLS_KEY_FILE.")
        plaintext = imap.plaintext_allowed()
        if not cert and not plaintext:
            raise CommandError(
                "IMAP and SMTP submission need TLS outside the embedded mode: set "
                "ENT_MAIL_TLS_CERT_FILE and ENT_MAIL_TLS_KEY_FILE (see docs/mail.md)."
            )
        host = options["host"]
        database = Database("mail")
        controllers = []
        if action in ("all", "smtp"):
            context = _smtp_tls(cert, key)
            controllers = [
                smtp.submission_controller(
                    database,
                    host=host,
                    port=settings.ENT_SMTP_SUBMISSION_PORT,
                    tls=context,
                    allow_plaintext=plaintext,
                ),
                smtp.inbound_controller(
                    database, host=host, port=settings.ENT_SMTP_INBOUND_PORT, tls=context
                ),
            ]
            for controller in controllers:
                controller.start()
            self.stdout.write(
                f"SMTP submission on {host}:{settings.ENT_SMTP_SUBMISSION_PORT}, "
                f"inbound on {host}:{settings.ENT_SMTP_INBOUND_PORT}."
            )
        try:
            if action in ("all", "imap"):
                self._run_imap(database, host, cert, key, options["imap_tls"], plaintext)
            else:
                _wait_for_signal()
        finally:
            for controller in controllers:
                controller.stop()
            database.shutdown()

    def _run_imap(
        self, database: Database, host: str, cert: str, key: str, mode: str, plaintext: bool
    ) -> None:
        from twisted.internet import reactor as global_reactor

        reactor: Any = global_reactor

        imap.listen(
            database=database,
            host=host,
            port=settings.ENT_IMAP_PORT,
            cert_file=cert,
            key_file=key,
            implicit_tls=mode == "implicit",
            allow_plaintext=plaintext,
        )
        tls = "no TLS (embedded mode)" if not cert else f"TLS {mode}"
        self.stdout.write(f"IMAP on {host}:{settings.ENT_IMAP_PORT} ({tls}).")
        reactor.run()


def _smtp_tls(cert: str, key: str) -> ssl.SSLContext | None:
    if not cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def _wait_for_signal() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        return
