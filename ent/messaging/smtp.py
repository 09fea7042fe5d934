"""SMTP for the ENT's mailboxes (UTI-CCO-CEL-01), served by aiosmtpd.

Two servers, each an aiosmtpd `Controller` running its own event loop in a thread:

- submission (port 587, or 1587 in the embedded demo): a person's mail client sends with the
  person's ENT login and password (AUTH PLAIN or LOGIN, after STARTTLS when TLS is configured).
  The message goes through `actions.submit_raw`, the webmail's own sending path: communication
  rules, external-mail policy (CEL-05, -06), antivirus (CEL-19), a copy in the sender's Sent.
- inbound (port 25, or 1025): mail from the académie's relay for the ENT's addresses only (never
  an open relay), through `actions.receive_external`.

Each refusal is an SMTP reply with its reason: 550 for a recipient or a sender refused, 552 for
a message too large, 554 for a message that cannot be read, 451 when the ENT cannot answer now.
aiosmtpd parses the protocol; the handlers below only ask the ENT.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from ent.directory.models import User

from . import actions, addresses, policy
from .mime import MimeError, parse
from .protocols import SMTP as SMTP_PROTOCOL
from .protocols import Database, ascii_text, sign_in_client

logger = logging.getLogger(__name__)

OK = "250 2.0.0 OK"


def _peer(session: Session) -> str | None:
    peer = session.peer
    if isinstance(peer, tuple | list) and peer:
        return str(peer[0])
    return str(peer) if peer else None


def _reply(code: str, text: object) -> str:
    return f"{code} {ascii_text(str(text)) or 'Refused'}"


def _refusal_text(problem: Exception) -> str:
    reasons = getattr(problem, "reasons", None)
    if isinstance(reasons, dict) and reasons:
        return "; ".join(f"{address}: {reason}" for address, reason in reasons.items())
    if isinstance(problem, ValidationError):
        return " ".join(str(message) for message in problem.messages)
    return str(problem)


class _Handler:
    def __init__(self, database: Database) -> None:
        self.db = database

    async def _run(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wrap_future(self.db.submit(function, *args, **kwargs))


class Submission(_Handler):
    """Authenticated submission: a person's client sends as that person, and only as them."""

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        outcome = self.db.call(
            sign_in_client,
            login=data.login.decode("utf-8", "replace"),
            password=data.password.decode("utf-8", "replace"),
            address=_peer(session),
            protocol=SMTP_PROTOCOL,
        )
        if outcome.person is None:
            return AuthResult(
                success=False, handled=False, message=_reply("535 5.7.8", outcome.refusal)
            )
        return AuthResult(success=True, auth_data=outcome.person)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        person = session.auth_data
        if not isinstance(person, User):
            return "530 5.7.0 Authentication required"
        reason = await self._run(policy.check_outgoing, person, address)
        if reason:
            return _reply("550 5.7.1", f"{address}: {reason}")
        envelope.rcpt_tos.append(address)
        return OK

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        person = session.auth_data
        if not isinstance(person, User):
            return "530 5.7.0 Authentication required"
        raw = envelope.original_content or b""
        return str(await self._run(_submit, person, raw, list(envelope.rcpt_tos)))


def _submit(person: User, raw: bytes, recipients: list[str]) -> str:
    try:
        parsed = parse(raw)
    except MimeError as problem:
        return _reply("554 5.6.0", problem)
    own = addresses.own_addresses(person)
    if parsed.sender_address not in own:
        return _reply(
            "550 5.7.1",
            f"The sender address (From: {parsed.sender_address}) is not yours: "
            f"send as {addresses.address_of(person)}",
        )
    if len(raw) > settings.ENT_MAIL_MAX_MESSAGE_BYTES:
        limit = settings.ENT_MAIL_MAX_MESSAGE_BYTES
        return _reply("552 5.3.4", f"The message is larger than the {limit} bytes allowed")
    used = actions.usage_bytes([person.pk]).get(person.pk, 0)
    if used + len(raw) > settings.ENT_MAIL_QUOTA_BYTES:
        return _reply("552 5.2.2", "Your mailbox is full: delete messages to send this one")
    try:
        message = actions.submit_raw(actor=person, raw=raw, envelope_recipients=recipients)
    except PermissionDenied as problem:
        return _reply("550 5.7.1", f"Refused: {_refusal_text(problem)}")
    except (MimeError, ValidationError) as problem:
        return _reply("554 5.6.0", f"Refused: {_refusal_text(problem)}")
    status = str(getattr(message, "status", ""))
    if status in ("held", "quarantined"):
        # The sender's copy in Sent says why; the client is told as well.
        return _reply("250 2.0.0", f"Accepted but {status}: {message.status_reason}")
    return f"{OK} accepted as <{message.message_id}>"


class Inbound(_Handler):
    """Mail from the académie's relay, for the ENT's own addresses only."""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reason = await self._run(_check_recipient, address, envelope.mail_from or "")
        if reason:
            return str(reason)
        envelope.rcpt_tos.append(address)
        return OK

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        return str(await self._run(_receive, raw, sender, list(envelope.rcpt_tos)))


def _check_recipient(address: str, sender: str) -> str | None:
    """Refuse at RCPT what can be refused before the data: unknown, foreign, policy."""
    bare = addresses.normalise(address)
    if not bare or not addresses.is_internal(bare):
        return "550 5.7.1 Relaying denied: this server only receives mail for its own domain"
    recipient = addresses.resolve(bare)
    if recipient is None:
        return _reply("550 5.1.1", f"{bare}: no such recipient here")
    reason = policy.check_incoming_external(recipient, addresses.normalise(sender))
    if reason:
        return _reply("550 5.7.1", f"{bare}: {reason}")
    return None


def _receive(raw: bytes, sender: str, recipients: list[str]) -> str:
    try:
        outcome = actions.receive_external(raw=raw, envelope_from=sender, recipients=recipients)
    except MimeError as problem:
        return _reply("554 5.6.0", problem)
    except (PermissionDenied, ValidationError) as problem:
        return _reply("550 5.7.1", _refusal_text(problem))
    refused = {address: reason for address, reason in outcome.items() if reason}
    if not refused:
        return OK
    text = "; ".join(f"{address}: {reason}" for address, reason in refused.items())
    if len(refused) == len(outcome):
        return _reply("550 5.7.1", f"Refused: {text}")
    return _reply("250 2.0.0", f"Accepted for some recipients; refused: {text}")


# Servers


def submission_controller(
    database: Database,
    *,
    host: str,
    port: int,
    tls: ssl.SSLContext | None = None,
    allow_plaintext: bool = False,
) -> Controller:
    """Build the submission server: AUTH required, over TLS unless plain text is allowed."""
    handler = Submission(database)
    return Controller(
        handler,
        hostname=host,
        port=port,
        server_hostname=settings.ENT_MAIL_DOMAIN,
        ident="ENT mail submission",
        authenticator=handler.authenticate,
        auth_required=True,
        auth_require_tls=not allow_plaintext,
        tls_context=tls,
        require_starttls=tls is not None,
        data_size_limit=settings.ENT_MAIL_MAX_MESSAGE_BYTES,
    )


def inbound_controller(
    database: Database, *, host: str, port: int, tls: ssl.SSLContext | None = None
) -> Controller:
    """Build the inbound server the académie's relay delivers to (the domain's MX)."""
    return Controller(
        Inbound(database),
        hostname=host,
        port=port,
        server_hostname=settings.ENT_MAIL_DOMAIN,
        ident="ENT mail",
        tls_context=tls,
        data_size_limit=settings.ENT_MAIL_MAX_MESSAGE_BYTES,
    )
