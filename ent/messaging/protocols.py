"""What the IMAP and SMTP servers share (UTI-CCO-CEL-01): sign-in, database calls, replies.

Sign-in. A client gives the person's ENT login and password. They go through the web
login's own check (`ent.identity.actions.check_password_login`): the same password hasher,
the same failure count and lockout (SOC-SEC-DVS-01), the same audit of each failure. Accounts
that may not sign in on the web (inactive, suspended, expired, never activated: no usable
password) are refused here too. Two more refusals apply to mail clients only: a person who must
give a one-time code (SOC-SEC-IAU-12) signs in through the webmail, since IMAP has no second
step; and a person without the mail service has no box to open.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.db import close_old_connections

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import User
from ent.identity.actions import check_password_login
from ent.identity.totp import requires_totp
from ent.rights.queries import has_service
from ent.rights.registry import Level

from .models import SERVICE

P = ParamSpec("P")
R = TypeVar("R")

IMAP = "imap"
SMTP = "smtp"
SECOND_FACTOR_REQUIRED = "second_factor_required"
NO_MAIL_SERVICE = "no_mail_service"


@dataclass(frozen=True)
class ClientSignIn:
    """The answer to a client's sign-in: the person, or the text the client is given."""

    person: User | None
    refusal: str = ""


def sign_in_client(
    *, login: str, password: str, address: str | None, protocol: str
) -> ClientSignIn:
    """Check a mail client's login and password as the web login does; audit the outcome."""
    verdict = check_password_login(login=login, password=password, address=address)
    if verdict.lock is not None:
        until = verdict.lock.until.strftime("%Y-%m-%d %H:%M %Z")
        return ClientSignIn(None, f"Too many failed sign-ins: locked until {until}")
    person = verdict.person
    if person is None:
        return ClientSignIn(None, "Wrong login or password")
    reason = ""
    if requires_totp(person):
        reason = SECOND_FACTOR_REQUIRED
    elif not has_service(person, SERVICE, level=Level.USE):
        reason = NO_MAIL_SERVICE
    if reason:
        record(
            actor=None,
            action="messaging.client.sign_in",
            target=person,
            outcome=Outcome.FAILURE,
            address=address,
            data={"protocol": protocol, "reason": reason},
        )
        text = {
            SECOND_FACTOR_REQUIRED: "Your account needs a one-time code: use the webmail",
            NO_MAIL_SERVICE: "Your account has no mailbox",
        }[reason]
        return ClientSignIn(None, text)
    record(
        actor=person,
        action="messaging.client.sign_in",
        target=person,
        address=address,
        data={"protocol": protocol},
    )
    return ClientSignIn(person)


def ascii_text(text: str, *, limit: int = 400) -> str:
    """Return `text` on one line of printable ASCII (protocol replies): accents dropped."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(c if c.isprintable() else " " for c in folded).split())[:limit]


class Database:
    """Run the servers' database work in worker threads, never in an event loop's thread.

    Twisted's reactor and aiosmtpd's loop serve many clients in one thread; Django's ORM is
    synchronous and refuses to run inside an asyncio loop. Each call gets a fresh connection
    when the previous one is too old or broken, like a request does.
    """

    def __init__(self, name: str, workers: int = 4) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"ent-{name}")

    def submit(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Start `function` in a worker thread; return its future."""
        return self.executor.submit(lambda: _in_connection(function, *args, **kwargs))

    def call(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run `function` in a worker thread and wait for its result (or its exception)."""
        return self.submit(function, *args, **kwargs).result()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _in_connection(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        close_old_connections()
