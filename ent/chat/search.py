"""What the search service indexes from the chat: the messages of conversations one may read."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import SERVICE, Message

SOURCES = (
    SearchSource(
        code="chat.message",
        label=_("Chat messages"),
        model=Message,
        text=lambda message: (message.body[:80], message.conversation.name),
        url=lambda message: message.get_absolute_url(),
        visible_to=lambda person: Message.objects.visible_to(person),
        service=SERVICE,
        updated_field="created_at",
        summary=lambda message: (
            message.conversation.name
            or formats.date_format(message.created_at, "SHORT_DATETIME_FORMAT")
        ),
        author=lambda message: message.author.display_name if message.author else "",
        happened_at=lambda message: message.created_at,
        queryset=lambda: Message.objects.filter(hidden_at=None).select_related(
            "author", "conversation"
        ),
    ),
)
