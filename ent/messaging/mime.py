"""RFC 5322 messages in and out of the ENT's store (UTI-CCO-CEL-01), with Python's `email` package.

`parse` reads what a standard client submits, an IMAP APPEND or a message from the académie's
relay, and returns its parts with the HTML body already cleaned. `render` writes a stored message
back as bytes for IMAP and the relay: multipart/alternative text and HTML, then the attachments.
A message is written once, so a rendering is kept for a while (IMAP asks for it several times).
"""

from __future__ import annotations

import mimetypes
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address, Group
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.core.html import clean_html, linkify, to_text

if TYPE_CHECKING:
    from ent.directory.models import User

    from .models import Message as StoredMessage

# Headers kept from a parsed message: they change how the ENT treats it (CEL-14 loop guard,
# replies, threads). Values are cut at the RFC 5322 line limit.
KEPT_HEADERS = (
    "Reply-To",
    "List-Id",
    "List-Unsubscribe",
    "Precedence",
    "Auto-Submitted",
    "References",
    "Disposition-Notification-To",
    "X-Loop",
)
MAX_HEADER = 998
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MSGID = re.compile(r"<([^<>\s]+)>")
# Renderings kept in memory, at most this many bytes in all.
CACHE_BYTES = 32 * 1024 * 1024


class MimeError(ValueError):
    """The bytes are not a message the ENT can file; str() says why, for the sender."""


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender_address: str
    sender_name: str
    to: list[str]
    cc: list[str]
    subject: str
    body_html: str
    body_text: str
    attachments: list[tuple[str, str, bytes]]
    headers: dict[str, str]
    in_reply_to: str
    date: datetime | None
    # Present only in a copy a client files itself (its Sent folder); never on the wire.
    bcc: list[str] = field(default_factory=list)


def parse(raw: bytes) -> ParsedMail:
    """Read an RFC 5322 message; raise MimeError with a clear reason when it cannot be filed."""
    if not isinstance(raw, bytes | bytearray) or not bytes(raw).strip():
        raise MimeError(_("The message is empty."))
    try:
        message = BytesParser(policy=policy.default).parsebytes(bytes(raw))
        return _parsed(message)
    except MimeError:
        raise
    except (ValueError, TypeError, LookupError, IndexError, AttributeError) as error:
        raise MimeError(
            _("The message could not be read: %(error)s") % {"error": str(error)[:200]}
        ) from error


def _parsed(message: EmailMessage) -> ParsedMail:
    senders = _addresses(message, "From")
    if not senders:
        raise MimeError(_("The message has no sender address (From)."))
    if len(senders) > 1:
        raise MimeError(_("The message names more than one sender (From)."))
    sender_name, sender_address = senders[0]
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html = _text_of(html_part) if html_part is not None else ""
    text = _text_of(text_part) if text_part is not None else ""
    body_html = clean_html(html) if html_part is not None else linkify(text)
    bodies = {id(part) for part in (html_part, text_part) if part is not None}
    attachments: list[tuple[str, str, bytes]] = []
    _collect(message, bodies, attachments)
    return ParsedMail(
        message_id=_first_msgid(message.get("Message-ID")),
        sender_address=sender_address,
        sender_name=sender_name,
        to=[address for _name, address in _addresses(message, "To")],
        cc=[address for _name, address in _addresses(message, "Cc")],
        bcc=[address for _name, address in _addresses(message, "Bcc")],
        subject=_single_line(str(message.get("Subject", ""))),
        body_html=body_html,
        body_text=text if text_part is not None else to_text(body_html),
        attachments=attachments,
        headers={
            name: _single_line(str(message[name]))
            for name in KEPT_HEADERS
            if message.get(name) is not None
        },
        in_reply_to=_first_msgid(message.get("In-Reply-To")),
        date=_date(message),
    )


def _single_line(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()[:MAX_HEADER]


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """Return (display name, lower-case address) for every mailbox in the `name` headers."""
    found: list[tuple[str, str]] = []
    for header in message.get_all(name, []):
        for address in getattr(header, "addresses", ()):
            spec = (address.addr_spec or "").strip().lower()
            if "@" in spec and not _CONTROL.search(spec):
                found.append((_single_line(address.display_name or ""), spec))
    return found


def _first_msgid(value: object) -> str:
    if value is None:
        return ""
    match = _MSGID.search(str(value))
    return match.group(1)[:255] if match else _single_line(str(value))[:255]


def _date(message: EmailMessage) -> datetime | None:
    header = message.get("Date")
    moment = getattr(header, "datetime", None) if header is not None else None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]  # attr-defined: EmailMessage under policy.default
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _collect(part: Message, bodies: set[int], found: list[tuple[str, str, bytes]]) -> None:
    """Add every part that is not the chosen text or HTML body, nested multiparts included."""
    if id(part) in bodies:
        return
    content_type = part.get_content_type()
    if part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _collect(sub, bodies, found)
        return
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        data = inner.as_bytes() if isinstance(inner, Message) else b""
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    found.append((_filename(part, content_type, len(found) + 1), content_type, data))


def _filename(part: Message, content_type: str, number: int) -> str:
    given = part.get_filename() or ""
    name = _CONTROL.sub("", PurePosixPath(given.replace("\\", "/")).name).strip(" .")
    if not name:
        extension = ".eml" if content_type == "message/rfc822" else ""
        extension = extension or mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{number}{extension}"
    return name[-255:]


# Rendering


_cache: OrderedDict[tuple[int, str, str, bool], bytes] = OrderedDict()
_cache_size = 0
_cache_lock = threading.Lock()


def render(message: StoredMessage, *, for_owner: User | None) -> bytes:
    """Write `message` as RFC 5322 bytes (CRLF); its Bcc is shown to its author only."""
    global _cache_size
    with_bcc = for_owner is not None and message.author_id == for_owner.pk
    # The Message-ID and time too: a test database may give a rolled-back id to a new message.
    key = (message.pk, message.message_id, str(message.sent_at), with_bcc)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    data = _render(message, with_bcc=with_bcc)
    # A message is written once; a draft is rewritten, so it is never kept.
    if message.pk is not None and message.status != "draft" and len(data) <= CACHE_BYTES // 4:
        with _cache_lock:
            if key not in _cache:
                _cache[key] = data
                _cache_size += len(data)
            while _cache_size > CACHE_BYTES:
                _old, dropped = _cache.popitem(last=False)
                _cache_size -= len(dropped)
    return data


def _render(message: StoredMessage, *, with_bcc: bool) -> bytes:
    email = EmailMessage(policy=policy.SMTP)
    email["From"] = _mailbox(message.sender_name, message.sender_address)
    for name, tokens in (("To", message.to), ("Cc", message.cc)):
        if tokens:
            email[name] = _recipients(tokens)
    if with_bcc and message.bcc:
        email["Bcc"] = _recipients(message.bcc)
    email["Subject"] = _single_line(message.subject)
    moment = message.sent_at or message.created_at
    email["Date"] = format_datetime(timezone.localtime(moment))
    domain = settings.ENT_MAIL_DOMAIN
    email["Message-ID"] = (
        f"<{message.message_id}>" if message.message_id else make_msgid(domain=domain)
    )
    if message.in_reply_to:
        email["In-Reply-To"] = f"<{message.in_reply_to}>"
    headers = message.headers if isinstance(message.headers, dict) else {}
    for name in KEPT_HEADERS:
        value = headers.get(name)
        if isinstance(value, str) and value and name not in email:
            email[name] = _single_line(value)
    text = message.body_text or to_text(message.body_html)
    email.set_content(text)
    if message.body_html:
        email.add_alternative(_html_document(message.body_html), subtype="html")
    for attachment in message.attachments.order_by("pk"):
        _attach(email, attachment)
    return email.as_bytes(policy=policy.SMTP)


def _html_document(fragment: str) -> str:
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}{fragment}</body></html>\n"


def _mailbox(name: str, address: str) -> str:
    try:
        return str(Address(display_name=_single_line(name), addr_spec=address))
    except (ValueError, IndexError):
        return address


def _recipients(tokens: list[str]) -> str:
    parts: list[str] = []
    for token in tokens:
        if not isinstance(token, str):
            continue
        label = _list_label(token)
        if label is not None:
            # A structure or personal list: named as an RFC 5322 group, its members undisclosed.
            parts.append(str(Group(display_name=label or token, addresses=())))
        else:
            parts.append(_mailbox("", token))
    return ", ".join(parts)


def _list_label(token: str) -> str | None:
    """Return a list token's label ("" when the list is gone), None for a plain address."""
    if token.startswith("list:"):
        from ent.directory.lists import get_list

        structure_list = get_list(token.removeprefix("list:"))
        return str(structure_list.label) if structure_list is not None else ""
    if token.startswith("plist:"):
        from .models import PersonalList

        pk = token.removeprefix("plist:")
        if not pk.isdigit():
            return ""
        name = PersonalList.objects.filter(pk=int(pk)).values_list("name", flat=True).first()
        return name or ""
    return None


def _attach(email: EmailMessage, attachment: object) -> None:
    from .models import ScanStatus

    name = str(getattr(attachment, "filename", "")) or "attachment"
    scan = getattr(attachment, "scan", "")
    if scan not in (ScanStatus.CLEAN, ScanStatus.UNSCANNED):
        # CEL-19: what the antivirus did not pass never leaves as a usable attachment.
        note = _("The attachment %(name)s was withheld: %(reason)s.") % {
            "name": name,
            "reason": ScanStatus(scan).label if scan in ScanStatus.values else scan,
        }
        email.add_attachment(note, filename=f"{name}.txt")
        return
    try:
        with attachment.file.open("rb") as handle:  # type: ignore[attr-defined]  # attr-defined: an Attachment
            data = handle.read()
    except (OSError, ValueError):
        note = _("The attachment %(name)s could not be read.") % {"name": name}
        email.add_attachment(note, filename=f"{name}.txt")
        return
    maintype, _sep, subtype = str(getattr(attachment, "content_type", "")).partition("/")
    if maintype in ("", "multipart", "message") or not subtype:
        maintype, subtype = "application", "octet-stream"
    email.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
