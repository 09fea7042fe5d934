"""The live side of the chat: what the actions publish to the open WebSockets.

Events go through the Channels layer (in memory in the embedded default, Redis when several
processes serve) to a group per conversation and a group per person; `consumers.ChatConsumer`
relays them to the browser. Publishing happens after the commit, so that nobody reads live
what a rolled-back transaction never stored.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from .models import Conversation, Message


def person_group(person_id: int) -> str:
    """Return the channel-layer group of one person's connections."""
    return f"chat.person.{person_id}"


def message_payload(message: Message) -> dict[str, Any]:
    """Return what a browser shows of a message (plain text: the page escapes it)."""
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "author_id": message.author_id,
        "author": message.author.display_name if message.author else "",
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "time": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def publish_after_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` to `group` once the current transaction has committed."""
    transaction.on_commit(lambda: _send(group, event))


def message_posted(message: Message) -> None:
    """Tell the conversation's open connections about a new message."""
    publish_after_commit(
        message.conversation.group_name,
        {"type": "chat.message", "message": message_payload(message)},
    )


def message_hidden(message: Message) -> None:
    """Tell the conversation's open connections that a moderator hid a message."""
    publish_after_commit(
        message.conversation.group_name,
        {"type": "chat.hidden", "id": message.pk, "conversation": message.conversation_id},
    )


def conversation_opened(conversation: Conversation, person_ids: list[int]) -> None:
    """Tell people their connections should follow a conversation they now belong to."""
    for person_id in person_ids:
        publish_after_commit(
            person_group(person_id),
            {"type": "chat.follow", "conversation": conversation.pk},
        )


def status_changed(person_id: int, status: str, conversation_ids: list[int]) -> None:
    """Tell the person's conversations that their shown status changed (MIN-04)."""
    for conversation_id in conversation_ids:
        publish_after_commit(
            f"chat.conversation.{conversation_id}",
            {"type": "chat.presence", "person": person_id, "status": status},
        )
