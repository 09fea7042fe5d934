"""Mail for the tests: messages sent through the actions, and what a box holds."""

from __future__ import annotations

from typing import Any

from ent.directory.models import User
from ent.messaging.actions import send_message
from ent.messaging.addresses import address_of
from ent.messaging.models import Entry, Message, Role


def send(sender: User, *recipients: User | str, **fields: Any) -> Message:
    """Send a message through the action (call it inside `delivered()` to deliver it)."""
    values: dict[str, Any] = {
        "to": [r if isinstance(r, str) else address_of(r) for r in recipients],
        "cc": [],
        "bcc": [],
        "subject": "Bonjour",
        "body_html": "<p>Texte du message.</p>",
    } | fields
    return send_message(actor=sender, **values)


def box(person: User, role: str = Role.INBOX) -> list[Entry]:
    """The entries of one special folder of `person`'s box, newest first."""
    return list(
        Entry.objects.filter(owner=person, folder__role=role)
        .select_related("message")
        .order_by("-filed_at", "-pk")
    )


def subjects(person: User, role: str = Role.INBOX) -> list[str]:
    return [entry.message.subject for entry in box(person, role)]
