"""The chat's REST endpoints: conversations, their messages, posting, private conversations and
status. The same actions and visibility as the pages and the WebSocket: a conversation one may
not read is a 404, a refusal a 403 that says why, invalid input a 422."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from ent.directory.models import User
from ent.rights.communication import visible_people
from ent.rights.decorators import ServiceAuth

from . import actions, queries
from .models import BODY_MAX, SERVICE, Conversation, Kind, Message, Status

router = Router(tags=["chat"], auth=ServiceAuth(SERVICE))


class ConversationOut(Schema):
    id: int
    kind: Kind
    title: str
    school_id: int | None
    unread: int = 0
    last_message_at: datetime | None


class MessageOut(Schema):
    id: int
    conversation_id: int
    author_id: int | None
    author: str
    body: str
    created_at: datetime

    @staticmethod
    def resolve_author(message: Message) -> str:
        return message.author.display_name if message.author else ""


class MessageIn(Schema):
    # A little over the limit, so that the action answers with its own sentence.
    body: str = Field(max_length=BODY_MAX * 2)


class DirectIn(Schema):
    person_id: int


class StatusIn(Schema):
    status: Status


class StatusOut(Schema):
    status: Status
    shown_status: Status


def _me(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    return get_object_or_404(Conversation.objects.visible_to(_me(request)), pk=conversation_id)


def _out(conversation: Conversation, title: str, unread: int = 0) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "title": title,
        "school_id": conversation.school_id,
        "unread": unread,
        "last_message_at": conversation.last_message_at,
    }


@router.get("/conversations", response=list[ConversationOut])
def conversations(request: HttpRequest) -> list[dict[str, Any]]:
    """The conversations the person follows, latest activity first."""
    rows = queries.conversations_of(_me(request))
    return [_out(row.conversation, row.title, row.unread) for row in rows]


@router.get("/conversations/{conversation_id}/messages", response=list[MessageOut])
def messages(
    request: HttpRequest, conversation_id: int, before: int | None = None
) -> list[Message]:
    """The latest messages of a conversation (oldest first); `before` pages back."""
    return queries.history(_conversation(request, conversation_id), before=before)


@router.post("/conversations/{conversation_id}/messages", response={201: MessageOut})
def post(request: HttpRequest, conversation_id: int, payload: MessageIn) -> tuple[int, Message]:
    """Post a message; it reaches the open windows of the conversation at once."""
    conversation = _conversation(request, conversation_id)
    return 201, actions.post_message(
        actor=_me(request), conversation=conversation, body=payload.body
    )


@router.post("/direct", response={201: ConversationOut})
def direct(request: HttpRequest, payload: DirectIn) -> tuple[int, dict[str, Any]]:
    """Open (or find) the private conversation with a person the rules let one write to."""
    me = _me(request)
    other = get_object_or_404(visible_people(me).exclude(pk=me.pk), pk=payload.person_id)
    conversation = actions.open_direct(actor=me, other=other)
    return 201, _out(conversation, other.display_name)


@router.put("/status", response=StatusOut)
def status(request: HttpRequest, payload: StatusIn) -> dict[str, Any]:
    """Set the status others see while connected (MIN-04)."""
    profile = actions.set_status(actor=_me(request), status=payload.status)
    return {"status": profile.status, "shown_status": profile.shown_status}
