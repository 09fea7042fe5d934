"""Every change to mailboxes (UTI-CCO-CEL): write, send, receive, file, and the settings.

The webmail, the API, IMAP and SMTP all call these functions. Sending writes the message and
the sender's copy, then delivery runs in the background (`tasks.deliver_message`, enqueued on
commit): a list of 1,000 people costs the sender no more than one recipient. A message that
cannot reach someone stays in the sender's box with the reason (`Delivery`, `status_reason`).
"""

from __future__ import annotations

import mimetypes
import re
import smtplib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email import policy as email_policy
from email.parser import BytesHeaderParser
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, F, Sum, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.core import antivirus
from ent.core import attachments as file_sources
from ent.core.html import clean_html, linkify, to_text
from ent.directory.models import Membership, Profile, School, SchoolClass, TeachingGroup, User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.communication import writable_people

from . import addresses, policy
from .addresses import EXTERNAL, LIST, PERSON, PERSONAL_LIST
from .models import (
    Alias,
    Attachment,
    AutoReply,
    AutoReplySent,
    BlockedSender,
    Delivery,
    DeliveryStatus,
    Entry,
    ExternalPolicy,
    Folder,
    Forwarding,
    Message,
    PersonalList,
    Role,
    ScanStatus,
    Signature,
    Status,
)
from .permissions import (
    can_change_folder,
    can_edit_draft,
    can_forward,
    can_set_external_policy,
)

NEW_MAIL_EVENT = "messaging.new_mail"
# IMAP names of the special folders (RFC 6154 special-use); the webmail shows translated labels.
FOLDER_NAMES = {
    Role.INBOX: "INBOX",
    Role.DRAFTS: "Drafts",
    Role.SENT: "Sent",
    Role.TRASH: "Trash",
    Role.JUNK: "Junk",
}
MAX_FOLDER_DEPTH = 5
MAX_RECIPIENTS = 500  # tokens written by hand; one list token may reach far more people
MAX_SUBJECT = 998
MAX_BODY = 1_000_000
MAX_SIGNATURE = 5000
MAX_ALLOWED_ENTRIES = 200
# A message that already went through the ENT this many times is looping (X-Loop markers).
MAX_PASSES = 3
MAX_RECEIVED = 30  # RFC 5321 §6.3: a hop count high enough to be a loop
BULK_PRECEDENCE = {"list", "bulk", "junk"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOMAIN = re.compile(r"^@?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


class MailRefused(PermissionDenied):
    """Mail that may not leave (or enter): `reasons` maps each refused address to why."""

    def __init__(self, reasons: dict[str, str]) -> None:
        self.reasons = dict(reasons)
        super().__init__(str(self))

    def __str__(self) -> str:
        return " ".join(f"{address}: {reason}" for address, reason in self.reasons.items())


@dataclass
class _File:
    filename: str
    content_type: str
    data: bytes
    verdict: antivirus.Verdict | None = None


@dataclass
class _Outgoing:
    """A message as a person hands it over, from the webmail or a standard client."""

    to: list[str]
    cc: list[str]
    bcc: list[str]
    envelope: list[str]
    subject: str
    body_html: str
    body_text: str
    receipt_requested: bool = False
    in_reply_to: str = ""
    message_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    files: list[_File] = field(default_factory=list)


# ---------------------------------------------------------------- boxes, folders and uids


def ensure_mailbox(*, person: User) -> dict[str, Folder]:
    """Create the special folders `person` lacks; return them by role."""
    _ensure_mailboxes([person.pk])
    return {folder.role: folder for folder in Folder.objects.filter(owner=person).exclude(role="")}


def _ensure_mailboxes(person_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Create the missing special folders of many people at once; return their folder ids."""
    ids = set(person_ids)
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Folder.objects.filter(owner_id__in=ids).exclude(role="")
    for owner_id, role, pk in rows.values_list("owner_id", "role", "pk"):
        found[owner_id][role] = pk
    missing = [
        Folder(owner_id=owner_id, role=role, name=name)
        for owner_id in sorted(ids)
        for role, name in FOLDER_NAMES.items()
        if role not in found.get(owner_id, {})
    ]
    if missing:
        # A top-level custom folder may already use a special name (an IMAP client made it):
        # the special folder then takes a suffixed name.
        taken = set(
            Folder.objects.filter(
                owner_id__in={f.owner_id for f in missing}, parent=None
            ).values_list("owner_id", "name")
        )
        for folder in missing:
            while (folder.owner_id, folder.name) in taken:
                folder.name += "_"
        Folder.objects.bulk_create(missing, ignore_conflicts=True, batch_size=500)
        again = Folder.objects.filter(owner_id__in={f.owner_id for f in missing}).exclude(role="")
        for owner_id, role, pk in again.values_list("owner_id", "role", "pk"):
            found[owner_id][role] = pk
    return found


def _allocate_uids(counts: dict[int, int]) -> dict[int, int]:
    """Reserve `counts[folder]` new uids in each folder; return the first uid of each.

    The folder rows are locked in primary-key order (PostgreSQL: SELECT … FOR UPDATE), so two
    deliveries to overlapping boxes wait for each other instead of handing out a uid twice or
    deadlocking; SQLite serialises writers anyway. Three queries whatever the number of folders.
    """
    wanted = {pk: n for pk, n in counts.items() if n > 0}
    if not wanted:
        return {}
    ids = sorted(wanted)
    list(Folder.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    by_count: dict[int, list[int]] = defaultdict(list)
    for pk, n in wanted.items():
        by_count[n].append(pk)
    if len(by_count) == 1:
        ((n, pks),) = by_count.items()
        Folder.objects.filter(pk__in=pks).update(uid_next=F("uid_next") + n)
    else:
        step = Case(*(When(pk=pk, then=Value(n)) for pk, n in wanted.items()), default=Value(0))
        Folder.objects.filter(pk__in=ids).update(uid_next=F("uid_next") + step)
    after = Folder.objects.filter(pk__in=ids).values_list("pk", "uid_next")
    return {pk: uid_next - wanted[pk] for pk, uid_next in after}


def _file_entries(rows: list[tuple[int, int, int, dict[str, Any]]]) -> list[Entry]:
    """Create entries (owner, folder, message, flags) with fresh uids, in bulk."""
    counts: dict[int, int] = defaultdict(int)
    for _owner, folder_id, _message, _flags in rows:
        counts[folder_id] += 1
    first = _allocate_uids(counts)
    entries = []
    for owner_id, folder_id, message_id, flags in rows:
        uid = first[folder_id]
        first[folder_id] += 1
        entries.append(
            Entry(owner_id=owner_id, folder_id=folder_id, message_id=message_id, uid=uid, **flags)
        )
    return Entry.objects.bulk_create(entries, batch_size=500)


def _depth(folder: Folder | None) -> int:
    depth = 0
    while folder is not None:
        depth += 1
        folder = folder.parent
    return depth


def _clean_folder_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the folder a name."))
    if "/" in name or _CONTROL.search(name):
        raise ValidationError(_("A folder name may not contain “/” or control characters."))
    if len(name) > 100:
        raise ValidationError(_("A folder name has at most 100 characters."))
    return name


def _check_folder_place(
    actor: User, name: str, parent: Folder | None, *, moving: Folder | None = None
) -> None:
    if parent is not None and parent.owner_id != actor.pk:
        raise PermissionDenied
    if parent is None and name.upper() == "INBOX":
        raise ValidationError(_("This name is reserved."))
    clash = Folder.objects.filter(owner=actor, parent=parent, name=name)
    if moving is not None:
        clash = clash.exclude(pk=moving.pk)
    if clash.exists():
        raise ValidationError(_("A folder of this name already exists here."))
    height = 1
    if moving is not None:
        children: dict[int | None, list[int]] = defaultdict(list)
        for pk, parent_id in Folder.objects.filter(owner=actor).values_list("pk", "parent_id"):
            children[parent_id].append(pk)
        below: set[int] = set()
        level = [moving.pk]
        height = 0
        while level:
            height += 1
            below.update(level)
            level = [child for pk in level for child in children.get(pk, [])]
        if parent is not None and parent.pk in below:
            raise ValidationError(_("A folder cannot go inside itself."))
    if _depth(parent) + height > MAX_FOLDER_DEPTH:
        raise ValidationError(
            _("Folders nest at most %(depth)d levels deep.") % {"depth": MAX_FOLDER_DEPTH}
        )


@transaction.atomic
def create_folder(*, actor: User, name: str, parent: Folder | None = None) -> Folder:
    """Create a folder in `actor`'s box, at the top or inside `parent` (UTI-CCO-CEL-11)."""
    name = _clean_folder_name(name)
    _check_folder_place(actor, name, parent)
    return Folder.objects.create(owner=actor, parent=parent, name=name, role=Role.CUSTOM)


_UNCHANGED: Any = object()


@transaction.atomic
def rename_folder(
    *, actor: User, folder: Folder, name: str, parent: Folder | None = _UNCHANGED
) -> Folder:
    """Rename a folder of `actor`'s, or move it under another (`parent=None`: to the top)."""
    if not can_change_folder(actor, folder):
        raise PermissionDenied(_("This folder cannot be renamed."))
    name = _clean_folder_name(name)
    target = folder.parent if parent is _UNCHANGED else parent
    _check_folder_place(actor, name, target, moving=folder)
    folder.name = name
    folder.parent = target
    folder.save(update_fields=["name", "parent"])
    return folder


@transaction.atomic
def delete_folder(*, actor: User, folder: Folder) -> int:
    """Delete a folder and its sub-folders; their messages go to the Trash. Return how many."""
    if not can_change_folder(actor, folder):
        raise PermissionDenied(_("This folder cannot be deleted."))
    ids = {folder.pk}
    level = [folder.pk]
    while level:
        level = list(Folder.objects.filter(parent__in=level).values_list("pk", flat=True))
        ids.update(level)
    entries = list(Entry.objects.filter(folder__in=ids))
    trash = ensure_mailbox(person=actor)[Role.TRASH]
    moved = _move(entries, trash)
    folder.delete()
    return moved


# ---------------------------------------------------------------- entries: move, mark, delete


def _own(actor: User, entries: Sequence[Entry]) -> list[Entry]:
    if any(entry.owner_id != actor.pk for entry in entries):
        raise PermissionDenied
    return list(entries)


def _move(entries: list[Entry], folder: Folder) -> int:
    moving = [entry for entry in entries if entry.folder_id != folder.pk]
    if not moving:
        return 0
    first = _allocate_uids({folder.pk: len(moving)})[folder.pk]
    for offset, entry in enumerate(moving):
        entry.folder_id = folder.pk
        entry.uid = first + offset
    Entry.objects.bulk_update(moving, ["folder", "uid"], batch_size=500)
    return len(moving)


@transaction.atomic
def move_entries(*, actor: User, entries: Sequence[Entry], folder: Folder) -> int:
    """Move messages of `actor`'s box into `folder` (new uids there); return how many moved."""
    if folder.owner_id != actor.pk:
        raise PermissionDenied
    return _move(_own(actor, entries), folder)


@transaction.atomic
def copy_entries(*, actor: User, entries: Sequence[Entry], folder: Folder) -> list[Entry]:
    """Copy messages of `actor`'s box into `folder`; the copies get new uids."""
    if folder.owner_id != actor.pk:
        raise PermissionDenied
    rows = [
        (
            actor.pk,
            folder.pk,
            entry.message_id,
            {"seen": entry.seen, "flagged": entry.flagged, "answered": entry.answered},
        )
        for entry in _own(actor, entries)
    ]
    return _file_entries(rows)


@transaction.atomic
def mark_entries(
    *,
    actor: User,
    entries: Sequence[Entry],
    seen: bool | None = None,
    flagged: bool | None = None,
    deleted: bool | None = None,
    answered: bool | None = None,
) -> int:
    """Set flags on messages of `actor`'s box (UTI-CCO-CEL-15 batch); return how many."""
    flags = {
        name: value
        for name, value in (
            ("seen", seen),
            ("flagged", flagged),
            ("deleted", deleted),
            ("answered", answered),
        )
        if value is not None
    }
    owned = _own(actor, entries)
    if not flags or not owned:
        return 0
    count = Entry.objects.filter(pk__in=[e.pk for e in owned], owner=actor).update(**flags)
    for entry in owned:
        for name, value in flags.items():
            setattr(entry, name, value)
    return count


def _drop_orphans(message_ids: Iterable[int]) -> None:
    """Delete the messages no box holds any more (and their files), unless still in transit."""
    orphans = (
        Message.objects.filter(pk__in=set(message_ids), entries__isnull=True)
        .exclude(status__in=[Status.SENDING, Status.HELD])
        .distinct()
    )
    files = list(Attachment.objects.filter(message__in=orphans).values_list("file", flat=True))
    Message.objects.filter(pk__in=list(orphans.values_list("pk", flat=True))).delete()
    storage = Attachment.file.field.storage
    for name in files:

        def remove(name: str = name) -> None:
            storage.delete(name)

        transaction.on_commit(remove)


@transaction.atomic
def trash_entries(*, actor: User, entries: Sequence[Entry]) -> int:
    """Move messages to the Trash; those already in it are deleted for good. Return how many."""
    owned = _own(actor, entries)
    trash = ensure_mailbox(person=actor)[Role.TRASH]
    gone = [entry for entry in owned if entry.folder_id == trash.pk]
    moved = _move([entry for entry in owned if entry.folder_id != trash.pk], trash)
    if gone:
        Entry.objects.filter(pk__in=[entry.pk for entry in gone]).delete()
        _drop_orphans(entry.message_id for entry in gone)
    return moved + len(gone)


@transaction.atomic
def expunge(*, actor: User, folder: Folder) -> list[int]:
    """Remove for good the messages marked deleted in `folder`; return their uids."""
    if folder.owner_id != actor.pk:
        raise PermissionDenied
    rows = list(
        Entry.objects.filter(folder=folder, deleted=True).values_list("pk", "uid", "message_id")
    )
    if not rows:
        return []
    Entry.objects.filter(pk__in=[pk for pk, _uid, _m in rows]).delete()
    _drop_orphans(message_id for _pk, _uid, message_id in rows)
    return sorted(uid for _pk, uid, _m in rows)


# ---------------------------------------------------------------- writing and sending


def _new_message_id() -> str:
    return f"{uuid.uuid4().hex}@{addresses.domain()}"


def _clean_subject(subject: str) -> str:
    return _CONTROL.sub(" ", subject or "").strip()[:MAX_SUBJECT]


def _clean_tokens(tokens: Iterable[str]) -> list[str]:
    """Normalise recipients as written ("Name <a@b>" → "a@b"), dropping blanks and repeats."""
    found: list[str] = []
    for text in tokens:
        if not isinstance(text, str) or not text.strip():
            continue
        token = addresses.parse_token(text)
        value = token.text if token is not None else text.strip()[:254]
        if value not in found:
            found.append(value)
    return found


def _clean_filename(name: str) -> str:
    base = PurePath((name or "").replace("\\", "/")).name
    base = _CONTROL.sub("", base).strip()[:255]
    return base or "attachment"


def _gather_files(
    actor: User, uploads: Sequence[UploadedFile[Any]], stored_file_ids: Sequence[int]
) -> list[_File]:
    files: list[_File] = []
    limit = settings.ENT_UPLOAD_MAX_BYTES
    for upload in uploads:
        if upload.size is not None and upload.size > limit:
            raise ValidationError(
                _("%(name)s is larger than the %(size)d MB allowed.")
                % {"name": upload.name, "size": limit // (1024 * 1024)}
            )
        data = b"".join(upload.chunks())
        name = _clean_filename(upload.name or "")
        content_type = (upload.content_type or "")[:200] or (
            mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        files.append(_File(name, content_type, data))
    if stored_file_ids:
        source = file_sources.source()
        if source is None:
            raise ValidationError(_("No document storage is available."))
        for file_id in stored_file_ids:
            try:
                stored, data = source.open_file(actor, int(file_id))
            except (LookupError, ValueError, TypeError) as error:
                raise ValidationError(_("One of the chosen documents cannot be found.")) from error
            files.append(
                _File(
                    _clean_filename(stored.name),
                    stored.content_type[:200] or "application/octet-stream",
                    data,
                )
            )
    return files


def _store_files(message: Message, files: Sequence[_File]) -> None:
    for item in files:
        verdict = item.verdict
        attachment = Attachment(
            message=message,
            filename=item.filename,
            content_type=item.content_type,
            size=len(item.data),
            scan=_scan_status(verdict),
            scan_detail=(verdict.detail if verdict else "")[:200],
        )
        attachment.file.save(item.filename, ContentFile(item.data), save=False)
        attachment.save()


def _scan_status(verdict: antivirus.Verdict | None) -> str:
    if verdict is None:
        return ScanStatus.PENDING
    return {
        antivirus.Status.CLEAN: ScanStatus.CLEAN,
        antivirus.Status.INFECTED: ScanStatus.INFECTED,
        antivirus.Status.UNSCANNED: ScanStatus.UNSCANNED,
    }.get(verdict.status, ScanStatus.PENDING)


def usage_bytes(person_ids: Iterable[int]) -> dict[int, int]:
    """How many bytes each box uses (one query)."""
    rows = (
        Entry.objects.filter(owner_id__in=set(person_ids))
        .values("owner_id")
        .annotate(total=Sum("message__size"))
        .values_list("owner_id", "total")
    )
    return {owner_id: int(total or 0) for owner_id, total in rows}


def _check_size(actor: User, size: int) -> None:
    if size > settings.ENT_MAIL_MAX_MESSAGE_BYTES:
        raise ValidationError(
            _("The message is larger than the %(size)d MB allowed.")
            % {"size": settings.ENT_MAIL_MAX_MESSAGE_BYTES // (1024 * 1024)}
        )
    if usage_bytes([actor.pk]).get(actor.pk, 0) + size > settings.ENT_MAIL_QUOTA_BYTES:
        raise ValidationError(
            _("Your mailbox is full: delete messages (and empty the Trash) to send this one.")
        )


def _size(
    subject: str, body_html: str, body_text: str, files: Iterable[_File], kept: int = 0
) -> int:
    text = len(subject.encode()) + len(body_html.encode()) + len(body_text.encode())
    return text + sum(len(item.data) for item in files) + kept


@transaction.atomic
def save_draft(
    *,
    actor: User,
    draft: Message | None,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    subject: str,
    body_html: str,
    receipt_requested: bool = False,
    uploads: Sequence[UploadedFile[Any]] = (),
    stored_file_ids: Sequence[int] = (),
    remove_attachment_ids: Sequence[int] = (),
    in_reply_to: str = "",
) -> Message:
    """Save a message being written in `actor`'s Drafts, creating or updating it (CEL-07)."""
    if draft is not None and not can_edit_draft(actor, draft):
        raise PermissionDenied
    recipients = [_clean_tokens(to), _clean_tokens(cc), _clean_tokens(bcc)]
    if sum(len(part) for part in recipients) > MAX_RECIPIENTS:
        raise ValidationError(_("Too many recipients."))
    body = clean_html(body_html or "")
    if len(body) > MAX_BODY:
        raise ValidationError(_("The message is too long."))
    text = to_text(body)
    subject = _clean_subject(subject)
    files = _gather_files(actor, uploads, stored_file_ids)
    kept = 0
    if draft is not None:
        kept_rows = draft.attachments.exclude(pk__in=list(remove_attachment_ids))
        kept = sum(kept_rows.values_list("size", flat=True))
    _check_size(actor, _size(subject, body, text, files, kept))
    message = draft or Message(author=actor, message_id=_new_message_id(), status=Status.DRAFT)
    message.sender_address = addresses.address_of(actor)
    message.sender_name = actor.display_name
    message.to, message.cc, message.bcc = recipients
    message.subject = subject
    message.body_html = body
    message.body_text = text
    message.receipt_requested = bool(receipt_requested)
    message.in_reply_to = (in_reply_to or "").strip().strip("<>")[:255]
    message.save()
    if draft is not None and remove_attachment_ids:
        removed = draft.attachments.filter(pk__in=list(remove_attachment_ids))
        for attachment in removed:
            attachment.file.delete(save=False)
        removed.delete()
    _store_files(message, files)
    message.size = _size(
        subject, body, text, (), sum(message.attachments.values_list("size", flat=True))
    )
    message.save(update_fields=["size"])
    if not Entry.objects.filter(owner=actor, message=message).exists():
        drafts = ensure_mailbox(person=actor)[Role.DRAFTS]
        _file_entries([(actor.pk, drafts.pk, message.pk, {"seen": True})])
    return message


def _scan(files: Sequence[_File]) -> None:
    for item in files:
        item.verdict = antivirus.scan(item.data)


def _infected(files: Sequence[_File]) -> dict[str, str]:
    return {
        item.filename: _("The attachment contains a virus (%(name)s); the message was not sent.")
        % {"name": item.verdict.detail}
        for item in files
        if item.verdict is not None and item.verdict.status == antivirus.Status.INFECTED
    }


def _held_reason() -> str:
    return _(
        "The antivirus could not scan this message: it is kept here and will be sent as soon "
        "as the scan is possible."
    )


def _list_headers(tokens: Iterable[str]) -> dict[str, str]:
    for text in tokens:
        token = addresses.parse_token(text)
        if token is not None and token.kind in (LIST, PERSONAL_LIST):
            # CEL-14: out-of-office answers (here or elsewhere) never answer list mail.
            return {"List-Id": f"<{token.value}.{addresses.domain()}>", "Precedence": "list"}
    return {}


def _accept(actor: User, outgoing: _Outgoing, draft: Message | None) -> Message:
    """Check, scan, write and file a message an ENT member sends; delivery follows on commit."""
    tokens = outgoing.envelope
    if not tokens:
        raise ValidationError(_("Add at least one recipient."))
    if len(tokens) > MAX_RECIPIENTS:
        raise ValidationError(_("Too many recipients."))
    reasons = {token: reason for token in tokens if (reason := policy.check_outgoing(actor, token))}
    if reasons:
        raise MailRefused(reasons)
    kept = list(draft.attachments.all()) if draft is not None else []
    kept_files = []
    for attachment in kept:
        with attachment.file.open("rb") as handle:
            kept_files.append(_File(attachment.filename, attachment.content_type, handle.read()))
    size = _size(
        outgoing.subject, outgoing.body_html, outgoing.body_text, [*outgoing.files, *kept_files]
    )
    _check_size(actor, size)
    # UTI-CCO-CEL-19: every attachment is scanned before anyone receives it.
    _scan([*outgoing.files, *kept_files])
    infected = _infected([*outgoing.files, *kept_files])
    if infected:
        raise MailRefused(infected)
    held = any(
        item.verdict is not None and item.verdict.status == antivirus.Status.UNAVAILABLE
        for item in [*outgoing.files, *kept_files]
    )
    message = draft or Message(author=actor)
    message.message_id = outgoing.message_id or message.message_id or _new_message_id()
    message.sender_address = addresses.address_of(actor)
    message.sender_name = actor.display_name
    message.to, message.cc, message.bcc = outgoing.to, outgoing.cc, outgoing.bcc
    message.envelope = tokens
    message.subject = outgoing.subject
    message.body_html = outgoing.body_html
    message.body_text = outgoing.body_text
    message.in_reply_to = outgoing.in_reply_to
    message.headers = {**outgoing.headers, **_list_headers(tokens)}
    message.receipt_requested = outgoing.receipt_requested
    message.status = Status.HELD if held else Status.SENDING
    message.status_reason = _held_reason() if held else ""
    message.size = size
    message.sent_at = timezone.now()
    message.save()
    for attachment, item in zip(kept, kept_files, strict=True):
        attachment.scan = _scan_status(item.verdict)
        attachment.scan_detail = (item.verdict.detail if item.verdict else "")[:200]
        attachment.save(update_fields=["scan", "scan_detail"])
    _store_files(message, outgoing.files)
    boxes = ensure_mailbox(person=actor)
    copies = list(Entry.objects.filter(owner=actor, message=message))
    if copies:
        _move(copies, boxes[Role.SENT])
    else:
        _file_entries([(actor.pk, boxes[Role.SENT].pk, message.pk, {"seen": True})])
    if not held:
        _enqueue_delivery(message.pk)
    return message


def _enqueue_delivery(message_id: int) -> None:
    def enqueue() -> None:
        from .tasks import deliver_message

        deliver_message.enqueue(message_id=message_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def send_message(
    *,
    actor: User,
    draft: Message | None = None,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    subject: str,
    body_html: str,
    receipt_requested: bool = False,
    uploads: Sequence[UploadedFile[Any]] = (),
    stored_file_ids: Sequence[int] = (),
    in_reply_to: str = "",
) -> Message:
    """Send a message written in the ENT: checked against the rules, scanned, filed in Sent;
    its recipients are served in the background. Raise MailRefused when any is refused."""
    if draft is not None and not can_edit_draft(actor, draft):
        raise PermissionDenied
    to_, cc_, bcc_ = _clean_tokens(to), _clean_tokens(cc), _clean_tokens(bcc)
    body = clean_html(body_html or "")
    if len(body) > MAX_BODY:
        raise ValidationError(_("The message is too long."))
    outgoing = _Outgoing(
        to=to_,
        cc=cc_,
        bcc=bcc_,
        envelope=_clean_tokens([*to_, *cc_, *bcc_]),
        subject=_clean_subject(subject),
        body_html=body,
        body_text=to_text(body),
        receipt_requested=bool(receipt_requested),
        in_reply_to=(in_reply_to or "").strip().strip("<>")[:255],
        files=_gather_files(actor, uploads, stored_file_ids),
    )
    return _accept(actor, outgoing, draft)


def _parse(raw: bytes) -> Any:
    from .mime import MimeError, parse

    try:
        return parse(raw)
    except MimeError as error:
        raise ValidationError(str(error)) from error


def _loop_reason(raw: bytes, headers: dict[str, str]) -> str | None:
    """Why a message is looping (it went through the ENT too often, or a list of the ENT is
    writing to itself), or None."""
    found = BytesHeaderParser(policy=email_policy.compat32).parsebytes(bytes(raw))
    ours = addresses.domain()
    passes = sum(
        [part.strip().lower() for part in str(value).split(",")].count(ours)
        for value in found.get_all("X-Loop") or []
    )
    if passes >= MAX_PASSES or len(found.get_all("Received") or []) > MAX_RECEIVED:
        return _(
            "This message is looping: it has already gone through the ENT %(count)d times."
        ) % {"count": max(passes, MAX_PASSES)}
    list_id = headers.get("List-Id", "").strip().lower()
    if list_id.endswith(f".{ours}>"):
        return _("This message comes from a list of the ENT and would be sent back to it.")
    return None


def _loop_marks(raw: bytes) -> str:
    found = BytesHeaderParser(policy=email_policy.compat32).parsebytes(bytes(raw))
    return ", ".join(str(value).strip() for value in found.get_all("X-Loop") or [])[:998]


@transaction.atomic
def submit_raw(*, actor: User, raw: bytes, envelope_recipients: list[str]) -> Message:
    """Send a message a standard client submitted by SMTP (UTI-CCO-CEL-01), like the webmail."""
    parsed = _parse(raw)
    sender = addresses.normalise(parsed.sender_address)
    if sender not in addresses.own_addresses(actor):
        raise MailRefused({sender or "From": _("You may only send mail from your own address.")})
    loop = _loop_reason(raw, parsed.headers)
    if loop:
        raise MailRefused({sender: loop})
    envelope = _clean_tokens(envelope_recipients)
    to_, cc_ = _clean_tokens(parsed.to), _clean_tokens(parsed.cc)
    shown = set(to_) | set(cc_)
    headers = {k: v for k, v in parsed.headers.items() if k not in ("List-Id", "Precedence")}
    outgoing = _Outgoing(
        to=to_,
        cc=cc_,
        bcc=[token for token in envelope if token not in shown],
        envelope=envelope,
        subject=_clean_subject(parsed.subject),
        body_html=parsed.body_html,
        body_text=parsed.body_text,
        in_reply_to=parsed.in_reply_to[:255],
        message_id=parsed.message_id[:255] if parsed.message_id else "",
        headers=headers,
        files=[
            _File(_clean_filename(n), (t or "application/octet-stream")[:200], d)
            for n, t, d in parsed.attachments
        ],
    )
    return _accept(actor, outgoing, None)


@transaction.atomic
def receive_external(
    *, raw: bytes, envelope_from: str, recipients: list[str]
) -> dict[str, str | None]:
    """File mail from the académie's relay; return, per recipient, None (accepted) or why not.

    The antivirus is a hard gate (UTI-CCO-CEL-19): infected mail is refused; when the scanner
    cannot answer, the message is held, unseen, until `rescan_held` passes it.
    """
    outcome: dict[str, str | None] = {}
    try:
        parsed = _parse(raw)
    except ValidationError as error:
        return dict.fromkeys(recipients, " ".join(error.messages))
    sender = addresses.normalise(parsed.sender_address) or addresses.normalise(envelope_from)
    refusal = _loop_reason(raw, parsed.headers)
    if refusal is None and addresses.is_internal(sender):
        refusal = _("Mail from outside may not use an address of the ENT.")
    if refusal is None and len(raw) > settings.ENT_MAIL_MAX_MESSAGE_BYTES:
        refusal = _("The message is too large.")
    if refusal:
        record(
            actor=None,
            action="messaging.message.refuse",
            outcome=Outcome.FAILURE,
            data={"from": sender[:254], "reason": refusal},
        )
        return dict.fromkeys(recipients, refusal)
    accepted: dict[str, User] = {}
    for text in recipients:
        token = addresses.parse_token(text)
        person = (
            addresses.resolve(token.value) if token is not None and token.kind == PERSON else None
        )
        if person is None:
            outcome[text] = _("Nobody in the ENT has this address.")
            continue
        outcome[text] = policy.check_incoming_external(person, sender)
        if outcome[text] is None:
            accepted[text] = person
    usage = usage_bytes(person.pk for person in accepted.values())
    for text, person in list(accepted.items()):
        if usage.get(person.pk, 0) + len(raw) > settings.ENT_MAIL_QUOTA_BYTES:
            outcome[text] = _("This mailbox is full.")
            del accepted[text]
    if not accepted:
        return outcome
    files = [
        _File(_clean_filename(n), (t or "application/octet-stream")[:200], d)
        for n, t, d in parsed.attachments
    ]
    _scan(files)
    infected = _infected(files)
    if infected:
        # The relay's sender is told what was found, as mail servers do ("550 … Eicar-…").
        names = ", ".join(
            sorted(
                {
                    item.verdict.detail
                    for item in files
                    if item.verdict and item.verdict.status == antivirus.Status.INFECTED
                }
            )
        )
        reason = _("The message contains a virus (%(name)s) and was refused.") % {"name": names}
        record(
            actor=None,
            action="messaging.message.infected",
            outcome=Outcome.FAILURE,
            data={"from": sender[:254], "found": sorted(infected)},
        )
        return {**outcome, **dict.fromkeys(accepted, reason)}
    held = any(
        item.verdict is not None and item.verdict.status == antivirus.Status.UNAVAILABLE
        for item in files
    )
    headers = dict(parsed.headers)
    marks = _loop_marks(raw)
    if marks:
        headers["X-Loop"] = marks
    message = Message.objects.create(
        message_id=(parsed.message_id or _new_message_id())[:255],
        author=None,
        sender_address=sender[:254],
        sender_name=parsed.sender_name[:200],
        to=_clean_tokens(parsed.to),
        cc=_clean_tokens(parsed.cc),
        envelope=[addresses.normalise(text) for text in accepted],
        subject=_clean_subject(parsed.subject),
        body_html=parsed.body_html,
        body_text=parsed.body_text,
        in_reply_to=parsed.in_reply_to[:255],
        headers=headers,
        status=Status.HELD if held else Status.SENDING,
        status_reason=_held_reason() if held else "",
        size=len(raw),
        sent_at=parsed.date or timezone.now(),
    )
    _store_files(message, files)
    if not held:
        _enqueue_delivery(message.pk)
    return outcome


@transaction.atomic
def append_raw(
    *,
    actor: User,
    folder: Folder,
    raw: bytes,
    seen: bool = False,
    flagged: bool = False,
    draft: bool = False,
    at: datetime | None = None,
) -> Entry:
    """File a message a standard client saves in one of `actor`'s folders (IMAP APPEND)."""
    if folder.owner_id != actor.pk:
        raise PermissionDenied
    parsed = _parse(raw)
    _check_size(actor, len(raw))
    files = [
        _File(_clean_filename(n), (t or "application/octet-stream")[:200], d)
        for n, t, d in parsed.attachments
    ]
    _scan(files)
    infected = _infected(files)
    if infected:
        raise ValidationError(_("The message contains a virus."))
    sender = addresses.normalise(parsed.sender_address)
    mine = sender in addresses.own_addresses(actor)
    status = Status.DRAFT if draft and mine else (Status.SENT if mine else Status.RECEIVED)
    message = Message.objects.create(
        message_id=(parsed.message_id or _new_message_id())[:255],
        author=actor if mine else None,
        sender_address=sender[:254],
        sender_name=parsed.sender_name[:200],
        to=_clean_tokens(parsed.to),
        cc=_clean_tokens(parsed.cc),
        bcc=_clean_tokens(parsed.bcc) if mine else [],
        subject=_clean_subject(parsed.subject),
        body_html=parsed.body_html,
        body_text=parsed.body_text,
        in_reply_to=parsed.in_reply_to[:255],
        headers=parsed.headers,
        status=status,
        size=len(raw),
        sent_at=parsed.date or at or timezone.now(),
    )
    _store_files(message, files)
    flags: dict[str, Any] = {"seen": seen or draft, "flagged": flagged}
    if at is not None:
        flags["filed_at"] = at
    return _file_entries([(actor.pk, folder.pk, message.pk, flags)])[0]


# ---------------------------------------------------------------- delivery (background)


def _mail_url() -> str:
    try:
        return reverse("messaging:home")
    except NoReverseMatch:
        return ""


def _relay(message: Message, address: str, *, envelope_from: str) -> tuple[str, str]:
    """Hand a message to the académie's relay for one address outside; return (status, reason)."""
    host = settings.ENT_MAIL_RELAY_HOST
    if not host:
        return DeliveryStatus.FAILED, _("Mail to the outside is not configured in this ENT.")
    from .mime import render

    # The ENT's loop marker: a message coming back too often is refused (see _loop_reason).
    raw = f"X-Loop: {addresses.domain()}\r\n".encode() + render(message, for_owner=None)
    try:
        with smtplib.SMTP(host, settings.ENT_MAIL_RELAY_PORT, timeout=30) as relay:
            relay.sendmail(envelope_from, [address], raw)
    except smtplib.SMTPRecipientsRefused as error:
        answer = next(iter(error.recipients.values()), (0, b""))
        detail = (
            answer[1].decode("utf-8", "replace") if isinstance(answer[1], bytes) else str(answer[1])
        )
        return DeliveryStatus.REFUSED, _("Refused by the receiving server: %(detail)s") % {
            "detail": detail[:300]
        }
    except (smtplib.SMTPException, OSError) as error:
        return DeliveryStatus.FAILED, _("The relay could not be reached: %(detail)s") % {
            "detail": str(error)[:300]
        }
    return DeliveryStatus.RELAYED, ""


@dataclass
class _Recipient:
    person: User
    address: str
    via_list: bool


def _expand(message: Message) -> tuple[dict[int, _Recipient], list[str], list[tuple[str, str]]]:
    """Who a message reaches: ENT members (lists expanded now, EEC-13), outside addresses and
    the tokens that reach nobody (with why)."""
    people: dict[int, _Recipient] = {}
    outside: list[str] = []
    unknown: list[tuple[str, str]] = []
    for text in message.envelope:
        token = addresses.parse_token(text)
        if token is None:
            unknown.append((text, _("Not a valid address.")))
        elif token.kind == EXTERNAL:
            outside.append(token.value)
        elif token.kind == PERSON:
            person = addresses.resolve(token.value)
            if person is None:
                unknown.append((token.value, _("Nobody in the ENT has this address.")))
            else:
                people[person.pk] = _Recipient(person, token.value, via_list=False)
        else:
            for member in policy.list_members(token.text):
                if member.pk != message.author_id and member.pk not in people:
                    people[member.pk] = _Recipient(
                        member, addresses.address_of(member), via_list=True
                    )
    return people, outside, unknown


def _is_bulk(message: Message) -> bool:
    headers = {str(k).lower(): str(v).strip().lower() for k, v in (message.headers or {}).items()}
    if headers.get("list-id") or headers.get("list-unsubscribe"):
        return True
    if headers.get("precedence") in BULK_PRECEDENCE:
        return True
    return headers.get("auto-submitted", "no") != "no"


@transaction.atomic
def deliver_message(*, message_id: int) -> int:
    """Serve every recipient of an accepted message; return how many boxes received it.

    Idempotent: the message is claimed by one conditional UPDATE, so a second run finds it
    already delivered and does nothing.
    """
    final = Case(When(author__isnull=True, then=Value(Status.RECEIVED)), default=Value(Status.SENT))
    if not Message.objects.filter(pk=message_id, status=Status.SENDING).update(status=final):
        return 0
    message = Message.objects.select_related("author").get(pk=message_id)
    people, outside, unknown = _expand(message)
    deliveries = [
        Delivery(
            message=message, address=address[:254], status=DeliveryStatus.REFUSED, reason=reason
        )
        for address, reason in unknown
    ]
    # UTI-CCO-CEL-12: a blocked sender's mail is refused, for that box only.
    blocked = policy.blocked_by(list(people), message.sender_address)
    usage = usage_bytes(people)
    forwards = {f.owner_id: f for f in Forwarding.objects.filter(owner_id__in=list(people))}
    served: list[_Recipient] = []
    for pk, recipient in people.items():
        if pk in blocked:
            reason = _("The recipient does not accept your mail.")
            deliveries.append(
                Delivery(
                    message=message,
                    address=recipient.address,
                    recipient_id=pk,
                    status=DeliveryStatus.REFUSED,
                    reason=reason,
                )
            )
        elif usage.get(pk, 0) + message.size > settings.ENT_MAIL_QUOTA_BYTES:
            reason = _("The recipient's mailbox is full.")
            deliveries.append(
                Delivery(
                    message=message,
                    address=recipient.address,
                    recipient_id=pk,
                    status=DeliveryStatus.FAILED,
                    reason=reason,
                )
            )
        else:
            served.append(recipient)
            deliveries.append(
                Delivery(
                    message=message,
                    address=recipient.address,
                    recipient_id=pk,
                    status=DeliveryStatus.DELIVERED,
                )
            )
    filed = [r for r in served if r.person.pk not in forwards or forwards[r.person.pk].keep_copy]
    boxes = _ensure_mailboxes(r.person.pk for r in filed)
    _file_entries([(r.person.pk, boxes[r.person.pk][Role.INBOX], message.pk, {}) for r in filed])
    for address in outside:
        status, reason = _relay(message, address, envelope_from=message.sender_address)
        deliveries.append(Delivery(message=message, address=address, status=status, reason=reason))
    Delivery.objects.bulk_create(deliveries, batch_size=500)
    # UTI-CCO-CEL-04: forwarding keeps the original sender; bounces come back to the box owner.
    for recipient in served:
        forwarding = forwards.get(recipient.person.pk)
        if forwarding is not None:
            _relay(
                message, forwarding.address, envelope_from=addresses.address_of(recipient.person)
            )
    if filed:
        sender = message.sender_name or message.sender_address
        notify(
            recipients=[r.person for r in filed],
            event=Event(
                kind=NEW_MAIL_EVENT,
                # Personal data minimisation: who wrote, never what.
                title=_("New mail from %(sender)s") % {"sender": sender[:150]},
                url=_mail_url(),
            ),
        )
    _auto_replies(message, [r for r in served if not r.via_list])
    failed = [d for d in deliveries if d.status in (DeliveryStatus.REFUSED, DeliveryStatus.FAILED)]
    if failed and message.author_id:
        message.status_reason = _("Not delivered to: %(list)s") % {
            "list": "; ".join(f"{d.address} ({d.reason})" for d in failed[:20])
        }
        message.save(update_fields=["status_reason"])
    if message.receipt_requested and message.author is not None:
        _receipt(message, deliveries)
    return len(filed)


def _system_message(
    owner: User, subject: str, body_html: str, *, headers: dict[str, str], in_reply_to: str = ""
) -> None:
    message = Message.objects.create(
        message_id=_new_message_id(),
        sender_address=f"postmaster@{addresses.domain()}",
        sender_name="ENT",
        to=[addresses.address_of(owner)],
        subject=_clean_subject(subject),
        body_html=body_html,
        body_text=to_text(body_html),
        in_reply_to=in_reply_to,
        headers=headers,
        status=Status.RECEIVED,
        sent_at=timezone.now(),
    )
    message.size = _size(message.subject, body_html, message.body_text, ())
    message.save(update_fields=["size"])
    inbox = _ensure_mailboxes([owner.pk])[owner.pk][Role.INBOX]
    _file_entries([(owner.pk, inbox, message.pk, {})])


def _receipt(message: Message, deliveries: list[Delivery]) -> None:
    """UTI-CCO-CEL-08: tell the author, in their inbox, what became of each recipient."""
    lines = []
    for delivery in deliveries:
        label = DeliveryStatus(delivery.status).label
        reason = f" — {delivery.reason}" if delivery.reason else ""
        lines.append(f"{delivery.address}: {label}{reason}")
    body = linkify("\n".join(lines))
    subject = _("Delivery report: %(subject)s") % {"subject": message.subject or _("(no subject)")}
    assert message.author is not None  # noqa: S101 (checked by the caller)
    _system_message(
        message.author,
        subject,
        body,
        headers={"Auto-Submitted": "auto-generated"},
        in_reply_to=message.message_id,
    )


def _auto_replies(message: Message, direct: list[_Recipient]) -> None:
    """UTI-CCO-CEL-13/-14: answer each correspondent once a day, never a list or an automaton."""
    sender = addresses.normalise(message.sender_address)
    if (
        not direct
        or not sender
        or _is_bulk(message)
        or sender.startswith(("postmaster@", "mailer-daemon@"))
    ):
        return
    today = timezone.localdate()
    replies = AutoReply.objects.filter(
        owner_id__in=[r.person.pk for r in direct],
        enabled=True,
        starts_on__lte=today,
        ends_on__gte=today,
    ).select_related("owner")
    for reply in replies:
        if reply.owner_id == message.author_id or sender in addresses.own_addresses(reply.owner):
            continue
        _sent, created = AutoReplySent.objects.get_or_create(
            owner=reply.owner, correspondent=sender, on=today
        )
        if not created:
            continue
        body = linkify(reply.body)
        answer = Message.objects.create(
            message_id=_new_message_id(),
            author=reply.owner,
            sender_address=addresses.address_of(reply.owner),
            sender_name=reply.owner.display_name,
            to=[sender],
            envelope=[sender],
            subject=_clean_subject(reply.subject),
            body_html=body,
            body_text=to_text(body),
            in_reply_to=message.message_id,
            headers={"Auto-Submitted": "auto-replied"},
            status=Status.SENDING,
            sent_at=timezone.now(),
            size=len(body.encode()) + len(reply.subject.encode()),
        )
        _enqueue_delivery(answer.pk)


# ---------------------------------------------------------------- antivirus: held mail


@transaction.atomic
def rescan_held(*, actor: User | None = None) -> int:
    """Scan again the messages held for want of an antivirus; release the clean ones, keep
    the infected ones in quarantine. Return how many were released."""
    released = 0
    held = Message.objects.select_for_update().filter(status=Status.HELD).order_by("pk")
    for message in held:
        verdicts = []
        for attachment in message.attachments.exclude(
            scan__in=[ScanStatus.CLEAN, ScanStatus.UNSCANNED]
        ):
            with attachment.file.open("rb") as handle:
                verdict = antivirus.scan(handle.read())
            attachment.scan = _scan_status(verdict)
            attachment.scan_detail = verdict.detail[:200]
            attachment.save(update_fields=["scan", "scan_detail"])
            verdicts.append(verdict)
        if any(v.status == antivirus.Status.INFECTED for v in verdicts):
            found = sorted({v.detail for v in verdicts if v.status == antivirus.Status.INFECTED})
            message.status = Status.QUARANTINED
            message.status_reason = _(
                "The antivirus found a virus (%(name)s): the message was not delivered."
            ) % {"name": ", ".join(found)}
            record(
                actor=actor,
                action="messaging.message.quarantine",
                target=message,
                outcome=Outcome.FAILURE,
            )
        elif all(v.deliverable for v in verdicts):
            message.status = Status.SENDING
            message.status_reason = ""
            released += 1
            _enqueue_delivery(message.pk)
        else:
            continue
        message.save(update_fields=["status", "status_reason"])
    return released


# ---------------------------------------------------------------- personal settings


@transaction.atomic
def set_auto_reply(
    *,
    actor: User,
    enabled: bool,
    starts_on: date,
    ends_on: date,
    subject: str,
    body: str,
) -> AutoReply:
    """Set `actor`'s out-of-office answer and its window, both days included (CEL-13)."""
    subject = _clean_subject(subject)[:200]
    body = (body or "").strip()[:5000]
    if ends_on < starts_on:
        raise ValidationError(_("The end date comes before the start date."))
    if enabled and (not subject or not body):
        raise ValidationError(_("An out-of-office answer needs a subject and a text."))
    reply, _created = AutoReply.objects.update_or_create(
        owner=actor,
        defaults={
            "enabled": enabled,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "subject": subject,
            "body": body,
        },
    )
    return reply


def _clean_block(address: str) -> str:
    text = (address or "").strip().lower()
    if text.startswith("@"):
        if not _DOMAIN.match(text):
            raise ValidationError(_("Write an address (name@domain) or a domain (@domain)."))
        return text
    bare = addresses.normalise(text)
    if not bare or not addresses.is_valid(bare):
        raise ValidationError(_("Write an address (name@domain) or a domain (@domain)."))
    return bare


@transaction.atomic
def block_sender(*, actor: User, address: str) -> BlockedSender:
    """Stop mail from an address or a whole domain ("@domain") reaching `actor` (CEL-12)."""
    value = _clean_block(address)
    if value in addresses.own_addresses(actor):
        raise ValidationError(_("You cannot block your own address."))
    blocked, _created = BlockedSender.objects.get_or_create(owner=actor, address=value)
    return blocked


@transaction.atomic
def unblock_sender(*, actor: User, address: str) -> bool:
    """Accept mail from a blocked address again; tell whether it was blocked."""
    deleted, _rows = BlockedSender.objects.filter(
        owner=actor, address=(address or "").strip().lower()
    ).delete()
    return bool(deleted)


@transaction.atomic
def set_forwarding(
    *, actor: User, address: str | None, keep_copy: bool = True
) -> Forwarding | None:
    """Forward `actor`'s new mail to an address their school authorised (CEL-04); None stops."""
    if not can_forward(actor):
        raise PermissionDenied(_("Your profile may not forward its mail."))
    if not address:
        Forwarding.objects.filter(owner=actor).delete()
        record(actor=actor, action="messaging.forwarding.stop", target=actor)
        return None
    bare = addresses.normalise(address)
    if not bare or not addresses.is_valid(bare):
        raise ValidationError(
            _("“%(address)s” is not a valid address.") % {"address": address[:254]}
        )
    if addresses.is_internal(bare):
        raise ValidationError(_("Forwarding goes to an address outside the ENT."))
    if not policy.matches(bare, policy.forwarding_domains(actor)):
        raise ValidationError(
            _("Your school has not authorised forwarding to %(address)s.") % {"address": bare}
        )
    forwarding, _created = Forwarding.objects.update_or_create(
        owner=actor, defaults={"address": bare, "keep_copy": keep_copy}
    )
    record(actor=actor, action="messaging.forwarding.set", target=actor, data={"address": bare})
    return forwarding


@transaction.atomic
def set_signature(*, actor: User, body_html: str) -> Signature:
    """Set the signature the editor adds below `actor`'s messages."""
    body = clean_html(body_html or "")
    if len(body) > MAX_SIGNATURE:
        raise ValidationError(_("The signature is too long."))
    signature, _created = Signature.objects.update_or_create(
        owner=actor, defaults={"body_html": body}
    )
    return signature


def _clean_allowed(items: Iterable[str]) -> list[str]:
    found: list[str] = []
    for item in items:
        text = (item or "").strip().lower()
        if not text:
            continue
        if "@" in text and not text.startswith("@"):
            valid = addresses.is_valid(text)
        else:
            text = text.lstrip("@")
            valid = bool(_DOMAIN.match(text))
        if not valid:
            raise ValidationError(
                _("“%(item)s” is neither a domain nor an address.") % {"item": text[:254]}
            )
        if text not in found:
            found.append(text)
    if len(found) > MAX_ALLOWED_ENTRIES:
        raise ValidationError(_("Too many domains and addresses."))
    return found


@transaction.atomic
def set_external_policy(
    *,
    actor: User,
    school: School,
    internal_only: bool,
    allowed: Sequence[str] = (),
    profile: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
    person: User | None = None,
) -> ExternalPolicy | None:
    """Set who of a school may exchange mail with the outside, and with whom (CEL-05, -06).

    The rule targets one profile, class, teaching group or person of the school; a rule that
    neither restricts nor allows anything is removed (None)."""
    if not can_set_external_policy(actor, school):
        raise PermissionDenied
    targets = [
        bool(profile),
        school_class is not None,
        teaching_group is not None,
        person is not None,
    ]
    if sum(targets) != 1:
        raise ValidationError(_("Choose one profile, class, group or person."))
    if profile and profile not in Profile.values:
        raise ValidationError(_("Unknown profile."))
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationError(_("This class is not in this school."))
    if teaching_group is not None and teaching_group.school_id != school.pk:
        raise ValidationError(_("This group is not in this school."))
    if (
        person is not None
        and not Membership.objects.current().filter(person=person, school=school).exists()
    ):
        raise ValidationError(_("This person is not in this school."))
    items = _clean_allowed(allowed)
    target: dict[str, Any] = {
        "school": school,
        "profile": profile,
        "school_class": school_class,
        "teaching_group": teaching_group,
        "person": person,
    }
    if not internal_only and not items:
        ExternalPolicy.objects.filter(**target).delete()
        record(
            actor=actor, action="messaging.policy.remove", target=school, data={"profile": profile}
        )
        return None
    rule, _created = ExternalPolicy.objects.update_or_create(
        **target,
        defaults={
            "internal_only": internal_only,
            "allowed": items,
            "changed_by": actor,
            "changed_at": timezone.now(),
        },
    )
    record(
        actor=actor,
        action="messaging.policy.set",
        target=rule,
        data={"internal_only": internal_only, "allowed": items},
    )
    return rule


@transaction.atomic
def save_personal_list(
    *, actor: User, personal_list: PersonalList | None, name: str, member_ids: Sequence[int]
) -> PersonalList:
    """Create or change one of `actor`'s own distribution lists (people they may write to)."""
    if personal_list is not None and personal_list.owner_id != actor.pk:
        raise PermissionDenied
    name = _CONTROL.sub(" ", name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Give the list a name of at most 100 characters."))
    if (
        PersonalList.objects.filter(owner=actor, name=name)
        .exclude(pk=personal_list.pk if personal_list is not None else 0)
        .exists()
    ):
        raise ValidationError(_("You already have a list of this name."))
    ids = {int(pk) for pk in member_ids}
    allowed = set(writable_people(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed or not ids:
        raise ValidationError(_("Choose the members among the people you may write to."))
    if personal_list is None:
        personal_list = PersonalList.objects.create(owner=actor, name=name)
    else:
        personal_list.name = name
        personal_list.save(update_fields=["name"])
    personal_list.members.set(ids)
    return personal_list


@transaction.atomic
def delete_personal_list(*, actor: User, personal_list: PersonalList) -> None:
    """Delete one of `actor`'s own lists."""
    if personal_list.owner_id != actor.pk:
        raise PermissionDenied
    personal_list.delete()


# ---------------------------------------------------------------- purge


@transaction.atomic
def erase_mailbox(person: User) -> None:
    """SOC-SUP-ABO-01 purge hook: delete a departed person's box and mail settings."""
    message_ids = set(Entry.objects.filter(owner=person).values_list("message_id", flat=True))
    message_ids |= set(Message.objects.filter(author=person).values_list("pk", flat=True))
    Folder.objects.filter(owner=person).delete()
    for model in (
        Alias,
        AutoReply,
        AutoReplySent,
        BlockedSender,
        Forwarding,
        PersonalList,
        Signature,
    ):
        model._default_manager.filter(owner=person).delete()
    ExternalPolicy.objects.filter(person=person).delete()
    Delivery.objects.filter(recipient=person).update(address="", recipient=None)
    Message.objects.filter(author=person, status__in=[Status.HELD, Status.DRAFT]).delete()
    _drop_orphans(message_ids)
    record(actor=None, action="messaging.mailbox.erase", target=person)


@transaction.atomic
def withdraw_message(*, actor: User, entry: Entry) -> int:
    """A moderator hides reported mail: every recipient's copy goes to their Trash (the
    author keeps theirs). Return how many copies moved."""
    from .permissions import can_moderate_entry

    if not can_moderate_entry(actor, entry):
        raise PermissionDenied
    message = entry.message
    copies: dict[int, list[Entry]] = defaultdict(list)
    for copy in Entry.objects.filter(message=message).exclude(owner_id=message.author_id):
        copies[copy.owner_id].append(copy)
    trash = _ensure_mailboxes(copies)
    moved = 0
    for owner_id, owned in copies.items():
        moved += _move(owned, Folder.objects.get(pk=trash[owner_id][Role.TRASH]))
    record(actor=actor, action="messaging.message.withdraw", target=message, data={"copies": moved})
    return moved
