"""Mail REST endpoints (UTI-CCO-CEL-02): folders, lists of messages, a message, drafts, sending,
batch actions and the recipient picker.

The same actions and visibility as the webmail: a message or folder of someone else's box is a
404, a refused recipient or harmful content a 422 that says why (problem documents, ent/api.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from ent.core.html import clean_html
from ent.directory.models import User
from ent.rights.decorators import ServiceAuth

from . import actions, queries
from .forms import has_active_content
from .models import SERVICE, Entry, Folder, Message, Role, Status

router = Router(tags=["messaging"], auth=ServiceAuth(SERVICE))


class FolderOut(Schema):
    id: int
    name: str
    role: str
    parent_id: int | None
    depth: int
    unread: int
    total: int


class EntryOut(Schema):
    id: int
    folder_id: int
    message_id: int
    subject: str
    sender_address: str
    sender_name: str
    to: list[str]
    seen: bool
    flagged: bool
    answered: bool
    status: str
    filed_at: datetime


class PageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[EntryOut]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    scan: str


class MessageOut(EntryOut):
    cc: list[str]
    bcc: list[str]
    body_html: str
    body_text: str
    status_reason: str
    sent_at: datetime | None
    attachments: list[AttachmentOut]


class MessageIn(Schema):
    draft_id: int | None = Field(None, description="The draft being sent or saved again.")
    to: list[str] = []
    cc: list[str] = []
    bcc: list[str] = []
    subject: str = Field("", max_length=998)
    body_html: str = ""
    receipt_requested: bool = False
    in_reply_to: str = Field("", max_length=255)
    stored_file_ids: list[int] = Field([], description="Files of the person's documents.")


class DraftOut(Schema):
    id: int
    attachments: list[AttachmentOut]


class SentOut(Schema):
    id: int
    status: str
    status_reason: str


class BatchIn(Schema):
    entries: list[int] = Field(..., min_length=1, max_length=1000)
    action: Literal["delete", "move", "read", "unread", "flag", "unflag"]
    target: int | None = Field(None, description="The folder to move to (action move).")


class BatchOut(Schema):
    count: int


class SuggestionOut(Schema):
    token: str
    label: str
    kind: str


def _person(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets auth


def _entry_out(entry: Entry) -> dict[str, Any]:
    mail = entry.message
    return {
        "id": entry.pk,
        "folder_id": entry.folder_id,
        "message_id": mail.pk,
        "subject": mail.subject,
        "sender_address": mail.sender_address,
        "sender_name": mail.sender_name,
        "to": list(mail.to),
        "seen": entry.seen,
        "flagged": entry.flagged,
        "answered": entry.answered,
        "status": mail.status,
        "filed_at": entry.filed_at,
    }


def _content(payload: MessageIn) -> dict[str, Any]:
    if has_active_content(payload.body_html):
        raise ValidationError(
            "The message contains scripts or active content, which mail may not carry."
        )
    return {
        "to": payload.to,
        "cc": payload.cc,
        "bcc": payload.bcc,
        "subject": payload.subject,
        "body_html": clean_html(payload.body_html),
        "receipt_requested": payload.receipt_requested,
        "in_reply_to": payload.in_reply_to,
    }


def _draft(person: User, draft_id: int | None) -> Message | None:
    if draft_id is None:
        return None
    entries = Entry.objects.visible_to(person).filter(
        folder__role=Role.DRAFTS, message__status=Status.DRAFT
    )
    return get_object_or_404(entries.select_related("message"), message_id=draft_id).message


def _refusal(error: PermissionDenied) -> ValidationError:
    reasons: dict[str, str] = getattr(error, "reasons", {}) or {}
    if reasons:
        return ValidationError([f"{address}: {reason}" for address, reason in reasons.items()])
    return ValidationError(str(error.args[0]) if error.args else "You may not do this.")


@router.get("/folders", response=list[FolderOut])
def folders(request: HttpRequest) -> list[dict[str, Any]]:
    """List the person's folders, in tree order, with their counts."""
    person = _person(request)
    actions.ensure_mailbox(person=person)
    return [
        {
            "id": row.folder.pk,
            "name": row.folder.name,
            "role": row.folder.role,
            "parent_id": row.folder.parent_id,
            "depth": row.depth,
            "unread": row.unread,
            "total": row.total,
        }
        for row in queries.folders_with_counts(person)
    ]


@router.get("/folders/{folder_id}/messages", response=PageOut)
def folder_messages(
    request: HttpRequest, folder_id: int, page: int = 1, unread_only: bool = False
) -> dict[str, Any]:
    """List one folder's messages, newest first, 50 a page."""
    person = _person(request)
    folder = get_object_or_404(Folder.objects.visible_to(person), pk=folder_id)
    try:
        result = queries.folder_page(person, folder, page=max(1, page), unread_only=unread_only)
    except EmptyPage as error:
        raise Http404 from error
    return {
        "count": result.paginator.count,
        "page": result.number,
        "pages": result.paginator.num_pages,
        "items": [_entry_out(entry) for entry in result.object_list],
    }


@router.get("/messages/{entry_id}", response=MessageOut)
def message(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    """Read a message of the person's box (Bcc only for its author)."""
    person = _person(request)
    entry = queries.message_for(person, entry_id)
    mail = entry.message
    return {
        **_entry_out(entry),
        "cc": list(mail.cc),
        "bcc": list(mail.bcc) if mail.author_id == person.pk else [],
        "body_html": mail.body_html,
        "body_text": mail.body_text,
        "status_reason": mail.status_reason,
        "sent_at": mail.sent_at,
        "attachments": list(mail.attachments.all()),
    }


@router.post("/drafts", response={201: DraftOut})
def save_draft(request: HttpRequest, payload: MessageIn) -> tuple[int, Message]:
    """Save a new draft, or the draft `draft_id` again (UTI-CCO-CEL-02)."""
    person = _person(request)
    draft = actions.save_draft(
        actor=person,
        draft=_draft(person, payload.draft_id),
        **_content(payload),
        stored_file_ids=payload.stored_file_ids,
    )
    return 201, draft


@router.post("/send", response={201: SentOut})
def send(request: HttpRequest, payload: MessageIn) -> tuple[int, Message]:
    """Send a message; a refused recipient is a 422 naming each address and why."""
    person = _person(request)
    content = _content(payload)
    try:
        sent = actions.send_message(
            actor=person,
            draft=_draft(person, payload.draft_id),
            **content,
            stored_file_ids=payload.stored_file_ids,
        )
    except PermissionDenied as error:
        if not getattr(error, "reasons", None):
            raise
        raise _refusal(error) from error
    return 201, sent


@router.post("/batch", response=BatchOut)
def batch(request: HttpRequest, payload: BatchIn) -> dict[str, int]:
    """Delete, move, mark or flag several messages at once (UTI-CCO-CEL-15)."""
    person = _person(request)
    ids = set(payload.entries)
    entries = list(Entry.objects.visible_to(person).filter(pk__in=ids).select_related("folder"))
    if len(entries) != len(ids):
        raise Http404
    if payload.action == "delete":
        return {"count": actions.trash_entries(actor=person, entries=entries)}
    if payload.action == "move":
        if payload.target is None:
            raise ValidationError("Choose the folder to move the messages to.")
        target = get_object_or_404(Folder.objects.visible_to(person), pk=payload.target)
        return {"count": actions.move_entries(actor=person, entries=entries, folder=target)}
    flags: dict[str, bool] = {  # the flag each marking action sets
        "read": {"seen": True},
        "unread": {"seen": False},
        "flag": {"flagged": True},
        "unflag": {"flagged": False},
    }[payload.action]
    return {"count": actions.mark_entries(actor=person, entries=entries, **flags)}


@router.get("/recipients", response=list[SuggestionOut], url_name="messaging_recipients")
def recipients(request: HttpRequest, q: str = "") -> list[Any]:
    """Suggest people and lists the person may write to, matching `q` (the compose picker)."""
    text = q.strip()[:100]
    if len(text) < 2:
        return []
    return list(queries.recipient_suggestions(_person(request), text, limit=20))
