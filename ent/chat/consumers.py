"""The chat's WebSocket: one connection per open page, carrying every conversation of the person.

Frames are JSON objects with a `type`:

- from the browser: `message` {conversation, body}, `status` {status}, `follow` {conversation},
  `read` {conversation};
- to the browser: `ready` {status, conversations}, `message` {message}, `hidden` {id,
  conversation}, `presence` {person, status}, `follow` {conversation}, `error` {code, message}.

Every frame from the browser goes through the same actions as the pages, so a refusal is the
same sentence everywhere. Close codes: 4401 without a signed-in person, 4403 without the chat
service or outside the hours the school allows (after an `error` frame that says why).
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ent.directory.models import User

from . import actions, live
from .models import BODY_MAX, Conversation, Message
from .permissions import access_refusal

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
# A frame carries one message and its envelope; anything much larger is refused unread.
FRAME_MAX = BODY_MAX * 6 + 1000


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    return str(error.args[0]) if error.args else _("You may not do this.")


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # misc: channels is untyped
    """Relay the person's conversations both ways."""

    person_id: int = 0
    followed: set[int]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=UNAUTHENTICATED)
            return
        self.person_id = user.pk
        self.followed = set()
        refusal = await database_sync_to_async(access_refusal)(user)
        if refusal is not None:
            await self.accept()
            await self.send_json({"type": "error", "code": "closed", "message": refusal})
            await self.close(code=FORBIDDEN)
            self.person_id = 0
            return
        await self.accept()
        await self.channel_layer.group_add(live.person_group(user.pk), self.channel_name)
        ids, status = await database_sync_to_async(self._start)()
        for conversation_id in ids:
            await self._follow(conversation_id)
        await self.send_json({"type": "ready", "status": status, "conversations": ids})

    async def disconnect(self, code: int) -> None:
        if not self.person_id:
            return
        for conversation_id in list(self.followed):
            await self.channel_layer.group_discard(
                f"chat.conversation.{conversation_id}", self.channel_name
            )
        await self.channel_layer.group_discard(live.person_group(self.person_id), self.channel_name)
        await database_sync_to_async(self._stop)()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > FRAME_MAX:
            await self._error("too_large", _("This message is too large to be sent."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error("bad_request", _("This frame is not understood."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        handlers = {
            "message": self._post,
            "status": self._status,
            "follow": self._follow_request,
            "read": self._read,
        }
        handler = handlers.get(kind if isinstance(kind, str) else "")
        if handler is None:
            await self._error("bad_request", _("This frame is not understood."))
            return
        try:
            await handler(content)
        except actions.ChatClosed as closed:
            await self._error("closed", _reason(closed))
            await self.close(code=FORBIDDEN)
        except Conversation.DoesNotExist:
            await self._error("not_found", _("This conversation does not exist."))
        except PermissionDenied as refusal:
            await self._error("forbidden", _reason(refusal))
        except ValidationError as invalid:
            await self._error("invalid", _reason(invalid))

    # What the browser asks.

    async def _post(self, content: dict[str, Any]) -> None:
        body = content.get("body")
        if not isinstance(body, str):
            raise ValidationError(_("Write a message first."))
        message = await database_sync_to_async(self._post_sync)(content.get("conversation"), body)
        await self._follow(message.conversation_id)

    async def _status(self, content: dict[str, Any]) -> None:
        status = content.get("status")
        await database_sync_to_async(self._status_sync)(status if isinstance(status, str) else "")

    async def _follow_request(self, content: dict[str, Any]) -> None:
        conversation = await database_sync_to_async(self._visible)(content.get("conversation"))
        await self._follow(conversation.pk)

    async def _read(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(self._read_sync)(content.get("conversation"))

    # What the actions publish.

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_hidden(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "hidden", "id": event["id"], "conversation": event["conversation"]}
        )

    async def chat_presence(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "presence", "person": event["person"], "status": event["status"]}
        )

    async def chat_follow(self, event: dict[str, Any]) -> None:
        conversation_id = int(event["conversation"])
        await self._follow(conversation_id)
        await self.send_json({"type": "follow", "conversation": conversation_id})

    # Helpers.

    async def _follow(self, conversation_id: int) -> None:
        if conversation_id in self.followed:
            return
        self.followed.add(conversation_id)
        await self.channel_layer.group_add(
            f"chat.conversation.{conversation_id}", self.channel_name
        )

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    def _person(self) -> User:
        # Read again for every frame: a deactivated account stops at once.
        person: User | None = User.objects.filter(pk=self.person_id, is_active=True).first()
        if person is None:
            raise actions.ChatClosed(_("Sign in to use instant messaging."))
        return person

    def _visible(self, conversation_id: Any) -> Conversation:
        try:
            pk = int(conversation_id)
        except (TypeError, ValueError):
            raise Conversation.DoesNotExist from None
        return Conversation.objects.visible_to(self._person()).get(pk=pk)

    def _start(self) -> tuple[list[int], str]:
        person = self._person()
        profile = actions.connect(actor=person)
        ids = list(
            Conversation.objects.visible_to(person).joined_by(person).values_list("pk", flat=True)
        )
        return ids, profile.status

    def _stop(self) -> None:
        person = User.objects.filter(pk=self.person_id).first()
        if person is not None:
            actions.disconnect(actor=person)

    def _post_sync(self, conversation_id: Any, body: str) -> Message:
        person = self._person()
        conversation = self._visible(conversation_id)
        return actions.post_message(actor=person, conversation=conversation, body=body)

    def _status_sync(self, status: str) -> None:
        person = self._person()
        actions.ensure_open(person)
        actions.set_status(actor=person, status=status)

    def _read_sync(self, conversation_id: Any) -> None:
        person = self._person()
        actions.mark_read(actor=person, conversation=self._visible(conversation_id))
