"""The ENT's mailboxes over IMAP4rev1 (UTI-CCO-CEL-01), served by Twisted's IMAP server.

Twisted parses and answers the protocol; this module only maps it onto the ENT's store: an
account is a person's box, a mailbox is a `Folder` (nested with "/"), a message is an `Entry`
rendered by `mime.render`. Every change goes through `ent.messaging.actions`, as the webmail's
do. Database work runs in worker threads (`protocols.Database`), never in the reactor's thread.

A session keeps the list of uids of the selected folder, so that sequence numbers stay stable;
NOOP brings it up to date (EXPUNGE and EXISTS for what the webmail or a delivery changed).
"""

# Twisted's IMAP server is untyped: calling into it and overriding its dispatch tables (tuples
# of unbound methods) is checked no further than Twisted allows.
# mypy: disable-error-code="no-untyped-call, assignment"

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from twisted.cred import credentials, error
from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer, protocol
from twisted.internet.interfaces import IAddress
from twisted.mail import imap4
from twisted.python import failure
from zope.interface import implementer

from ent.directory.models import User

from . import actions
from .mime import MimeError, render
from .models import Entry, Folder, Role
from .protocols import IMAP, Database, ascii_text, sign_in_client

P = ParamSpec("P")
R = TypeVar("R")

DELIMITER = "/"
SYSTEM_FLAGS = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")
# RFC 6154 special-use attributes, so that clients find Sent, Drafts and Trash themselves.
SPECIAL_USE = {
    Role.SENT: "\\Sent",
    Role.DRAFTS: "\\Drafts",
    Role.TRASH: "\\Trash",
    Role.JUNK: "\\Junk",
}
_PARSE_POLICY = email_policy.compat32.clone(linesep="\r\n")


class Refused(imap4.MailboxException):
    """A change the ENT refused; its text goes to the client as is (ASCII)."""

    def __init__(self, reason: object) -> None:
        super().__init__(ascii_text(_reason(reason)))


def _reason(problem: object) -> str:
    if isinstance(problem, ValidationError):
        return " ".join(str(message) for message in problem.messages)
    return str(problem) or problem.__class__.__name__


# Folders


def _paths(person: User) -> dict[str, Folder]:
    """Return every folder of `person`'s box by its IMAP path ("INBOX", "Maths/Devoirs")."""
    folders = {folder.pk: folder for folder in Folder.objects.filter(owner=person)}
    paths: dict[str, Folder] = {}
    for folder in folders.values():
        names: list[str] = []
        current: Folder | None = folder
        seen: set[int] = set()
        while current is not None and current.pk not in seen:
            seen.add(current.pk)
            names.append("INBOX" if current.role == Role.INBOX else current.name)
            current = folders.get(current.parent_id) if current.parent_id else None
        paths[DELIMITER.join(reversed(names))] = folder
    return paths


def _find(paths: dict[str, Folder], name: str) -> Folder | None:
    name = name.strip(DELIMITER)
    if name.upper() == "INBOX" or name.upper().startswith("INBOX" + DELIMITER):
        name = "INBOX" + name[5:]
    return paths.get(name)


@implementer(imap4.IMailboxInfo)
class _Info:
    """What LIST says of a folder: its children and its special use."""

    def __init__(self, flags: list[str]) -> None:
        self.flags = flags

    def getFlags(self) -> list[str]:  # noqa: N802 (Twisted's interface)
        return self.flags

    def getHierarchicalDelimiter(self) -> str:  # noqa: N802 (Twisted's interface)
        return DELIMITER


@implementer(imap4.IAccount, imap4.INamespacePresenter)
class Account:
    """A person's box, as one IMAP account."""

    def __init__(self, person: User, database: Database) -> None:
        self.person = person
        self.db = database

    def _paths(self) -> dict[str, Folder]:
        return self.db.call(_paths, self.person)

    # Namespaces (RFC 2342): one personal namespace, nothing shared.

    def getPersonalNamespaces(self) -> list[list[str]]:  # noqa: N802 (Twisted's interface)
        return [["", DELIMITER]]

    def getSharedNamespaces(self) -> None:  # noqa: N802 (Twisted's interface)
        return None

    def getOtherNamespaces(self) -> None:  # noqa: N802 (Twisted's interface)
        return None

    def listMailboxes(self, ref: str, wildcard: str) -> list[tuple[str, _Info]]:  # noqa: N802 (Twisted's interface)
        pattern = imap4.wildcardToRegexp(ref + wildcard, DELIMITER)
        paths = self._paths()
        parents = {folder.parent_id for folder in paths.values() if folder.parent_id}
        found = []
        for path, folder in sorted(paths.items(), key=lambda item: (item[0] != "INBOX", item[0])):
            if pattern.fullmatch(path):
                flags = ["\\HasChildren" if folder.pk in parents else "\\HasNoChildren"]
                if folder.role in SPECIAL_USE:
                    flags.append(SPECIAL_USE[Role(folder.role)])
                found.append((path, _Info(flags)))
        return found

    def select(self, name: str, rw: bool = True) -> defer.Deferred[Mailbox | None]:
        return _deferred(self.db, _open_mailbox, self, name, rw=bool(rw))

    def create(self, pathspec: str) -> bool:
        names = [part for part in pathspec.strip(DELIMITER).split(DELIMITER) if part]
        if not names:
            raise Refused("A folder needs a name")
        self.db.call(_create_path, self.person, names)
        return True

    def addMailbox(self, name: str, mbox: object = None) -> bool:  # noqa: N802 (Twisted's interface)
        return self.create(name)

    def delete(self, name: str) -> bool:
        self.db.call(_delete, self.person, name)
        return True

    def rename(self, oldname: str, newname: str) -> bool:
        self.db.call(_rename, self.person, oldname, newname)
        return True

    def isSubscribed(self, name: str) -> bool:  # noqa: N802 (Twisted's interface)
        return True

    def subscribe(self, name: str) -> bool:
        # Every folder of the box is shown to clients; the webmail shows them all as well.
        return True

    def unsubscribe(self, name: str) -> bool:
        return True


def _open_mailbox(account: Account, name: str, *, rw: bool) -> Mailbox | None:
    folder = _find(_paths(account.person), name)
    if folder is None:
        return None
    return Mailbox(account, folder, rw=rw, uids=_uids(folder))


def _uids(folder: Folder) -> list[int]:
    return list(Entry.objects.filter(folder=folder).order_by("uid").values_list("uid", flat=True))


def _create_path(person: User, names: list[str]) -> None:
    paths = _paths(person)
    parent: Folder | None = None
    created = False
    for depth in range(1, len(names) + 1):
        folder = _find(paths, DELIMITER.join(names[:depth]))
        if folder is None:
            try:
                folder = actions.create_folder(actor=person, name=names[depth - 1], parent=parent)
            except (ValidationError, PermissionDenied, ValueError) as problem:
                raise Refused(problem) from problem
            created = True
        parent = folder
    if not created:
        raise imap4.MailboxCollision(ascii_text(DELIMITER.join(names)))


def _delete(person: User, name: str) -> None:
    folder = _find(_paths(person), name)
    if folder is None:
        raise imap4.NoSuchMailbox(ascii_text(name))
    try:
        actions.delete_folder(actor=person, folder=folder)
    except (ValidationError, PermissionDenied, ValueError) as problem:
        raise Refused(problem) from problem


def _rename(person: User, oldname: str, newname: str) -> None:
    paths = _paths(person)
    folder = _find(paths, oldname)
    if folder is None:
        raise imap4.NoSuchMailbox(ascii_text(oldname))
    parent_path, _sep, leaf = newname.strip(DELIMITER).rpartition(DELIMITER)
    parent = _find(paths, parent_path) if parent_path else None
    if parent_path and parent is None:
        raise imap4.NoSuchMailbox(ascii_text(parent_path))
    try:
        actions.rename_folder(actor=person, folder=folder, name=leaf, parent=parent)
    except (ValidationError, PermissionDenied, ValueError) as problem:
        raise Refused(problem) from problem


# Messages


class _Part:
    """One MIME part of a rendered message, as Twisted's FETCH BODY[...] reads it."""

    def __init__(self, message: EmailMessage, raw: bytes | None = None) -> None:
        self.message = message
        self.raw = raw if raw is not None else message.as_bytes(policy=_PARSE_POLICY)

    def getHeaders(self, negate: bool, *names: str | bytes) -> dict[str, str]:  # noqa: N802 (Twisted's interface)
        wanted = {(n.decode() if isinstance(n, bytes) else n).lower() for n in names}
        headers: dict[str, str] = {}
        for key, value in self.message.items():
            if (key.lower() in wanted) != negate:
                headers.setdefault(key.lower(), str(value))
        return headers

    def getBodyFile(self) -> io.BytesIO:  # noqa: N802 (Twisted's interface)
        _head, _sep, body = self.raw.partition(b"\r\n\r\n")
        return io.BytesIO(body)

    def getSize(self) -> int:  # noqa: N802 (Twisted's interface)
        return len(self.raw)

    def isMultipart(self) -> bool:  # noqa: N802 (Twisted's interface)
        return self.message.is_multipart()

    def getSubPart(self, part: int) -> _Part:  # noqa: N802 (Twisted's interface)
        if not self.message.is_multipart():
            raise TypeError("not a multipart message")
        sub = self.message.get_payload(part)
        if not isinstance(sub, EmailMessage):
            raise IndexError(part)
        return _Part(sub)


@implementer(imap4.IMessage, imap4.IMessageFile)
class Message:
    """A message of the selected folder: an Entry, rendered when a client asks for its bytes."""

    def __init__(self, entry: Entry, person: User, database: Database) -> None:
        self.entry = entry
        self.person = person
        self.db = database
        self._part: _Part | None = None

    def _rendered(self) -> _Part:
        if self._part is None:
            raw = self.db.call(render, self.entry.message, for_owner=self.person)
            self._part = _Part(message_from_bytes(raw, policy=_PARSE_POLICY), raw)
        return self._part

    def getUID(self) -> int:  # noqa: N802 (Twisted's interface)
        return int(self.entry.uid)

    def getFlags(self) -> list[str]:  # noqa: N802 (Twisted's interface)
        return _flags_of(self.entry)

    def getInternalDate(self) -> str:  # noqa: N802 (Twisted's interface)
        return format_datetime(self.entry.filed_at)

    def open(self) -> io.BytesIO:
        return io.BytesIO(self._rendered().raw)

    def getHeaders(self, negate: bool, *names: str | bytes) -> dict[str, str]:  # noqa: N802 (Twisted's interface)
        return self._rendered().getHeaders(negate, *names)

    def getBodyFile(self) -> io.BytesIO:  # noqa: N802 (Twisted's interface)
        return self._rendered().getBodyFile()

    def getSize(self) -> int:  # noqa: N802 (Twisted's interface)
        return self._rendered().getSize()

    def isMultipart(self) -> bool:  # noqa: N802 (Twisted's interface)
        return self._rendered().isMultipart()

    def getSubPart(self, part: int) -> _Part:  # noqa: N802 (Twisted's interface)
        return self._rendered().getSubPart(part)


def _flags_of(entry: Entry) -> list[str]:
    flags = []
    if entry.seen:
        flags.append("\\Seen")
    if entry.answered:
        flags.append("\\Answered")
    if entry.flagged:
        flags.append("\\Flagged")
    if entry.deleted:
        flags.append("\\Deleted")
    if entry.folder_id and getattr(entry.folder, "role", "") == Role.DRAFTS:
        flags.append("\\Draft")
    return flags


@implementer(imap4.IMailbox, imap4.IMessageCopier, imap4.ICloseableMailbox)
class Mailbox:
    """A selected folder. `uids` numbers its messages for this session (sequence = index + 1)."""

    def __init__(self, account: Account, folder: Folder, *, rw: bool, uids: list[int]) -> None:
        self.account = account
        self.person = account.person
        self.db = account.db
        self.folder = folder
        self.rw = rw
        self.uids = uids
        self.listeners: list[Any] = []
        # Set by FETCH when it reads a body without .PEEK (RFC 3501 §6.4.5: that sets \Seen).
        self.mark_seen_on_fetch = False

    def getFlags(self) -> list[str]:  # noqa: N802 (Twisted's interface)
        return list(SYSTEM_FLAGS)

    def getHierarchicalDelimiter(self) -> str:  # noqa: N802 (Twisted's interface)
        return DELIMITER

    def getUIDValidity(self) -> int:  # noqa: N802 (Twisted's interface)
        return int(self.folder.uid_validity)

    def getUIDNext(self) -> int:  # noqa: N802 (Twisted's interface)
        uid_next = self.db.call(
            lambda: Folder.objects.filter(pk=self.folder.pk).values_list("uid_next", flat=True)[0]
        )
        return int(uid_next)

    def getUID(self, message: int) -> int:  # noqa: N802 (Twisted's interface)
        return self.uids[message - 1]

    def getMessageCount(self) -> int:  # noqa: N802 (Twisted's interface)
        return len(self.uids)

    def getRecentCount(self) -> int:  # noqa: N802 (Twisted's interface)
        return 0

    def getUnseenCount(self) -> int:  # noqa: N802 (Twisted's interface)
        return self.db.call(lambda: Entry.objects.filter(folder=self.folder, seen=False).count())

    def isWriteable(self) -> bool:  # noqa: N802 (Twisted's interface)
        return self.rw

    def destroy(self) -> None:
        return None

    def close(self) -> None:
        return None

    def requestStatus(self, names: Iterable[str]) -> dict[str, int]:  # noqa: N802 (Twisted's interface)
        status: dict[str, int] = imap4.statusRequestHelper(self, names)
        return status

    def addListener(self, listener: object) -> None:  # noqa: N802 (Twisted's interface)
        self.listeners.append(listener)

    def removeListener(self, listener: object) -> None:  # noqa: N802 (Twisted's interface)
        if listener in self.listeners:
            self.listeners.remove(listener)

    # Reading

    def _resolve(self, messages: imap4.MessageSet, uid: bool) -> list[tuple[int, int]]:
        """Return (sequence number, uid) of the messages a set names, in order."""
        if uid:
            messages.last = self.uids[-1] if self.uids else 0
            ranges = list(messages.ranges)
            return [
                (index + 1, value)
                for index, value in enumerate(self.uids)
                if any(low <= value <= high for low, high in ranges)
            ]
        messages.last = len(self.uids)
        ranges = list(messages.ranges)
        return [
            (index + 1, value)
            for index, value in enumerate(self.uids)
            if any(low <= index + 1 <= high for low, high in ranges)
        ]

    def fetch(
        self, messages: imap4.MessageSet, uid: bool
    ) -> defer.Deferred[list[tuple[int, Message]]]:
        wanted = self._resolve(messages, uid)
        mark_seen, self.mark_seen_on_fetch = self.mark_seen_on_fetch, False
        return _deferred(self.db, self._fetch, wanted, mark_seen=mark_seen)

    def _fetch(
        self, wanted: list[tuple[int, int]], *, mark_seen: bool
    ) -> list[tuple[int, Message]]:
        entries = self._entries([value for _seq, value in wanted])
        if mark_seen and self.rw:
            unseen = [entry for entry in entries.values() if not entry.seen]
            if unseen:
                actions.mark_entries(actor=self.person, entries=unseen, seen=True)
                for entry in unseen:
                    entry.seen = True
        return [
            (seq, Message(entries[value], self.person, self.db))
            for seq, value in wanted
            if value in entries
        ]

    def _entries(self, uids: Sequence[int]) -> dict[int, Entry]:
        if not uids:
            return {}
        wanted = set(uids)
        rows = (
            Entry.objects.filter(folder=self.folder, uid__gte=min(uids), uid__lte=max(uids))
            .select_related("message", "folder")
            .order_by("uid")
        )
        return {entry.uid: entry for entry in rows if entry.uid in wanted}

    # Changing

    def store(
        self, messages: imap4.MessageSet, flags: Sequence[str], mode: int, uid: bool
    ) -> defer.Deferred[dict[int, list[str]]]:
        if not self.rw:
            raise imap4.ReadOnlyMailbox()
        wanted = self._resolve(messages, uid)
        return _deferred(self.db, self._store, wanted, flags, mode)

    def _store(
        self, wanted: list[tuple[int, int]], flags: Sequence[str], mode: int
    ) -> dict[int, list[str]]:
        given = {flag.lower() for flag in flags}
        changes: dict[str, bool | None] = {}
        for field, flag in (
            ("seen", "\\seen"),
            ("answered", "\\answered"),
            ("flagged", "\\flagged"),
            ("deleted", "\\deleted"),
        ):
            if mode == 0:
                changes[field] = flag in given
            elif flag in given:
                changes[field] = mode > 0
        entries = self._entries([value for _seq, value in wanted])
        if entries and changes:
            actions.mark_entries(actor=self.person, entries=list(entries.values()), **changes)
        fresh = self._entries([value for _seq, value in wanted])
        return {seq: _flags_of(fresh[value]) for seq, value in wanted if value in fresh}

    def expunge(self) -> defer.Deferred[list[int]]:
        if not self.rw:
            raise imap4.ReadOnlyMailbox()
        return _deferred(self.db, self._expunge)

    def _expunge(self) -> list[int]:
        removed = set(actions.expunge(actor=self.person, folder=self.folder))
        return self._forget(removed)

    def _forget(self, removed: set[int]) -> list[int]:
        """Drop `removed` uids; return their sequence numbers, highest first (each EXPUNGE
        response then leaves the numbers still to report unchanged)."""
        sequence = [index + 1 for index, value in enumerate(self.uids) if value in removed]
        self.uids = [value for value in self.uids if value not in removed]
        return sorted(sequence, reverse=True)

    def refresh(self) -> tuple[list[int], int | None]:
        """Catch up with changes made elsewhere: expunged sequence numbers and the new count."""
        current = self.db.call(_uids, self.folder)
        gone = set(self.uids) - set(current)
        expunged = self._forget(gone) if gone else []
        known = set(self.uids)
        new = [value for value in current if value not in known]
        self.uids = sorted(self.uids + new)
        return expunged, (len(self.uids) if new or expunged else None)

    def addMessage(  # noqa: N802 (Twisted's interface)
        self, message: Any, flags: Iterable[str], date: bytes | str | None = None
    ) -> defer.Deferred[int]:
        raw = message.read()
        given = {str(flag).lower() for flag in flags}
        return _deferred(self.db, self._append, raw, given, _internal_date(date))

    def _append(self, raw: bytes, flags: set[str], at: datetime | None) -> int:
        try:
            entry = actions.append_raw(
                actor=self.person,
                folder=self.folder,
                raw=raw,
                seen="\\seen" in flags,
                flagged="\\flagged" in flags,
                draft="\\draft" in flags,
                at=at,
            )
        except (MimeError, ValidationError, PermissionDenied, ValueError) as problem:
            raise Refused(problem) from problem
        return int(entry.uid)

    def copy(self, message: Message) -> defer.Deferred[int]:
        return _deferred(self.db, self._copy, message.entry)

    def _copy(self, entry: Entry) -> int:
        try:
            copies = actions.copy_entries(actor=self.person, entries=[entry], folder=self.folder)
        except (ValidationError, PermissionDenied, ValueError) as problem:
            raise Refused(problem) from problem
        return int(copies[0].uid) if copies else 0


def _internal_date(date: bytes | str | None) -> datetime | None:
    if not date:
        return None
    text = date.decode("ascii", "replace") if isinstance(date, bytes) else date
    try:
        # APPEND's date-time: "17-Jul-1996 02:44:25 -0700".
        return datetime.strptime(text.strip('"'), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None


def _deferred(
    database: Database, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> defer.Deferred[R]:
    """Run `function` in a database thread; fire the Deferred in the reactor's thread."""
    from twisted.internet import reactor as global_reactor

    reactor: Any = global_reactor
    result: defer.Deferred[R] = defer.Deferred()

    def done(future: Any) -> None:
        problem = future.exception()
        if problem is not None:
            reactor.callFromThread(result.errback, failure.Failure(problem))
        else:
            reactor.callFromThread(result.callback, future.result())

    database.submit(function, *args, **kwargs).add_done_callback(done)
    return result


# Sign-in and the server


@implementer(ICredentialsChecker)
class Checker:
    """Check IMAP LOGIN and AUTHENTICATE PLAIN/LOGIN as the web login does."""

    credentialInterfaces = (credentials.IUsernamePassword,)  # noqa: N815 (Twisted's interface)

    def __init__(self, database: Database, address: str | None) -> None:
        self.db = database
        self.address = address

    def requestAvatarId(self, given: Any) -> defer.Deferred[User]:  # noqa: N802 (Twisted's interface)
        login = _text(given.username)
        password = _text(given.password)
        return _deferred(self.db, self._check, login, password)

    def _check(self, login: str, password: str) -> User:
        outcome = sign_in_client(
            login=login, password=password, address=self.address, protocol=IMAP
        )
        if outcome.person is None:
            raise error.UnauthorizedLogin(outcome.refusal)
        actions.ensure_mailbox(person=outcome.person)
        return outcome.person


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


@implementer(IRealm)
class Realm:
    def __init__(self, database: Database) -> None:
        self.db = database

    def requestAvatar(self, avatar_id: Any, mind: Any, *interfaces: Any) -> tuple[Any, ...]:  # noqa: N802 (Twisted's interface)
        if imap4.IAccount not in interfaces:
            raise NotImplementedError("only IMAP accounts")
        return imap4.IAccount, Account(avatar_id, self.db), lambda: None


def _reads_body(part: Any) -> bool:
    if part.type in ("rfc822", "rfc822text"):
        return True
    if part.type != "body" or part.peek:
        return False
    return bool(part.empty or part.header or part.text or part.mime or part.part)


class Server(imap4.IMAP4Server):
    """Twisted's IMAP4rev1 server, with the ENT's sign-in rules and its box kept up to date."""

    IDENT = b"ENT IMAP4rev1 ready"
    # Set by the factory: whether LOGIN may travel without TLS (embedded demo, tests).
    allow_plaintext = False
    account: Account | None

    def capabilities(self) -> dict[bytes, Any]:
        caps: dict[bytes, Any] = super().capabilities()
        if not self._may_sign_in():
            caps[b"LOGINDISABLED"] = None
        return caps

    def _may_sign_in(self) -> bool:
        from twisted.internet.interfaces import ISSLTransport

        secure = self.startedTLS or ISSLTransport(self.transport, None) is not None
        return bool(secure or self.allow_plaintext)

    def do_LOGIN(self, tag: bytes, user: bytes, passwd: bytes) -> None:  # noqa: N802 (Twisted's interface)
        if not self._may_sign_in():
            self.sendBadResponse(tag, b"LOGIN needs TLS: use STARTTLS or the IMAPS port")
            return
        imap4.IMAP4Server.do_LOGIN(self, tag, user, passwd)

    def _IMAP4Server__ebLogin(self, problem: failure.Failure, tag: bytes) -> None:  # noqa: N802 (overrides Twisted's private errback, to say why)
        if problem.check(error.UnauthorizedLogin):
            text = ascii_text(str(problem.value)) or "LOGIN failed"
            self.sendNegativeResponse(tag, b"[AUTHENTICATIONFAILED] " + text.encode("ascii"))
            return
        self.sendBadResponse(tag, b"Server error: sign-in failed")

    def _IMAP4Server__ebAuthResp(self, problem: failure.Failure, tag: bytes) -> None:  # noqa: N802 (overrides Twisted's private errback, to say why)
        self._IMAP4Server__ebLogin(problem, tag)

    unauth_LOGIN = (do_LOGIN, imap4.IMAP4Server.arg_astring, imap4.IMAP4Server.arg_finalastring)  # noqa: N815 (Twisted dispatch)

    def do_NOOP(self, tag: bytes) -> None:  # noqa: N802 (Twisted's interface)
        if isinstance(self.mbox, Mailbox):
            expunged, exists = self.mbox.refresh()
            for number in expunged:
                self.sendUntaggedResponse(b"%d EXPUNGE" % number)
            if exists is not None:
                self.sendUntaggedResponse(b"%d EXISTS" % exists)
        self.sendPositiveResponse(tag, b"NOOP completed")

    unauth_NOOP = (do_NOOP,)  # noqa: N815 (Twisted dispatch)
    auth_NOOP = unauth_NOOP  # noqa: N815 (Twisted dispatch)
    select_NOOP = unauth_NOOP  # noqa: N815 (Twisted dispatch)
    select_CHECK = unauth_NOOP  # noqa: N815 (Twisted dispatch)

    def do_FETCH(self, tag: bytes, messages: Any, query: Any, uid: int = 0) -> None:  # noqa: N802 (Twisted's interface)
        if isinstance(self.mbox, Mailbox) and any(_reads_body(part) for part in query):
            self.mbox.mark_seen_on_fetch = True
        imap4.IMAP4Server.do_FETCH(self, tag, messages, query, uid=uid)

    select_FETCH = (do_FETCH, imap4.IMAP4Server.arg_seqset, imap4.IMAP4Server.arg_fetchatt)  # noqa: N815 (Twisted dispatch)

    # Twisted answers these two cases with text where bytes are due; they are answered here.

    def _cbAppendGotMailbox(self, mbox: Any, tag: bytes, *args: Any) -> None:  # noqa: N802 (Twisted's callback)
        if not mbox:
            self.sendNegativeResponse(tag, b"[TRYCREATE] No such mailbox")
            return
        imap4.IMAP4Server._cbAppendGotMailbox(self, mbox, tag, *args)

    def _cbCopySelectedMailbox(self, mbox: Any, tag: bytes, *args: Any) -> None:  # noqa: N802 (Twisted's callback)
        if not mbox:
            self.sendNegativeResponse(tag, b"[TRYCREATE] No such mailbox")
            return
        imap4.IMAP4Server._cbCopySelectedMailbox(self, mbox, tag, *args)

    def _IMAP4Server__ebAppend(self, problem: failure.Failure, tag: bytes) -> None:  # noqa: N802 (overrides Twisted's private errback, to say why)
        text = ascii_text(str(problem.value)) or "refused"
        self.sendNegativeResponse(tag, b"APPEND refused: " + text.encode("ascii"))

    # SEARCH: Twisted parses the criteria and walks the messages; these keys read the ENT's
    # decoded fields (subject, addresses, text) rather than the encoded MIME headers, and take
    # the criterion as the UTF-8 text it is.

    def search_SUBJECT(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        return _criterion(query) in _field(msg, "subject")

    def search_FROM(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        return _criterion(query) in _field(msg, "from")

    def search_TO(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        return _criterion(query) in _field(msg, "to")

    def search_CC(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        return _criterion(query) in _field(msg, "cc")

    def search_BCC(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        return _criterion(query) in _field(msg, "bcc")

    def search_BODY(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        return _criterion(query) in _field(msg, "body")

    def search_TEXT(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        wanted = _criterion(query)
        return any(wanted in _field(msg, name) for name in ("subject", "from", "to", "cc", "body"))

    def search_HEADER(self, query: list[Any], id: int, msg: Any) -> bool:  # noqa: N802 (Twisted's dispatch)
        name = _criterion(query)
        wanted = _criterion(query)
        if name in ("subject", "from", "to", "cc", "bcc"):
            return wanted in _field(msg, name)
        value = msg.getHeaders(False, name).get(name, "")
        return wanted in str(make_header(decode_header(value))).lower()


def _criterion(query: list[Any]) -> str:
    value = query.pop(0)
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)).lower()


def _field(msg: Message, name: str) -> str:
    """Return a searchable field of a message, decoded and lower-case."""
    stored = msg.entry.message
    if name == "subject":
        value = stored.subject
    elif name == "from":
        value = f"{stored.sender_name} <{stored.sender_address}>"
    elif name in ("to", "cc"):
        value = " ".join(getattr(stored, name) or [])
    elif name == "bcc":
        value = " ".join(stored.bcc or []) if stored.author_id == msg.person.pk else ""
    else:
        value = f"{stored.body_text}"
    return value.lower()


class Factory(protocol.Factory):
    """Build one `Server` per connection, its sign-in bound to the client's address."""

    def __init__(
        self,
        database: Database,
        *,
        starttls: Any = None,
        implicit_tls: bool = False,
        allow_plaintext: bool = False,
    ) -> None:
        self.db = database
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.allow_plaintext = allow_plaintext

    def buildProtocol(self, addr: IAddress | None) -> Server:  # noqa: N802 (Twisted's interface)
        address = getattr(addr, "host", None)
        challengers: dict[bytes, Any] = {}
        if self.allow_plaintext or self.implicit_tls:
            # Without TLS yet, Twisted adds them once STARTTLS has run.
            challengers = {b"PLAIN": imap4.PLAINCredentials, b"LOGIN": imap4.LOGINCredentials}
        server = Server(chal=challengers, contextFactory=self.starttls)
        # zope's @implementer is invisible to mypy: Realm and Checker do provide the interfaces.
        realm: Any = Realm(self.db)
        checker: Any = Checker(self.db, address)
        server.portal = Portal(realm, [checker])
        server.allow_plaintext = self.allow_plaintext
        server.factory = self
        return server


def plaintext_allowed() -> bool:
    """Sign-in without TLS only in the embedded demo (local, no real passwords on the wire)."""
    return bool(getattr(settings, "EMBEDDED", False))


def listen(
    *,
    database: Database,
    host: str,
    port: int,
    cert_file: str = "",
    key_file: str = "",
    implicit_tls: bool = True,
    allow_plaintext: bool = False,
) -> Any:
    """Listen for IMAP clients (call it in the reactor's thread); return the listening port.

    With a certificate, the port speaks TLS from the first byte (IMAPS, RFC 8314) or offers
    STARTTLS (`implicit_tls=False`); without one, sign-in is refused unless `allow_plaintext`.
    """
    from twisted.internet import reactor as global_reactor
    from twisted.internet.ssl import DefaultOpenSSLContextFactory

    reactor: Any = global_reactor

    context = DefaultOpenSSLContextFactory(key_file, cert_file) if cert_file else None
    factory = Factory(
        database,
        starttls=None if implicit_tls else context,
        implicit_tls=bool(context is not None and implicit_tls),
        allow_plaintext=allow_plaintext,
    )
    if context is not None and implicit_tls:
        return reactor.listenSSL(port, factory, context, interface=host)
    return reactor.listenTCP(port, factory, interface=host)
