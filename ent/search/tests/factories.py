"""Test sources of the search: private notes (audit events) and classes of one's schools.

No model of a service app is needed: the search indexes whatever a source declares.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.core.search import SearchSource
from ent.directory.models import Membership, SchoolClass, User
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

NOTE = "test.note"
NOTES_SERVICE = "test_search_notes"
NOTES_DECLARATION = ServiceDeclaration(
    code=NOTES_SERVICE,
    label="Notes (test)",
    url_name="portal:home",
    defaults=(
        DefaultGrant("ENS", Level.USE),
        DefaultGrant("ELV", Level.USE),
        DefaultGrant("TUT", Level.READ),
        DefaultGrant("DIR", Level.USE),
    ),
)


def _notes():
    return AuditEvent.objects.filter(action=NOTE)


# A note is private: only its author finds it.
NOTES = SearchSource(
    code="test.note",
    label="Notes",
    model=AuditEvent,
    text=lambda event: (event.target_label, event.data.get("text", "")),
    url=lambda event: f"/notes/{event.pk}/",
    visible_to=lambda person: _notes().filter(actor=person),
    service=NOTES_SERVICE,
    updated_field="at",
    summary=lambda event: event.data.get("summary", ""),
    author=lambda event: event.actor_label,
    happened_at=lambda event: event.at,
    queryset=_notes,
)

# A class is found by everyone holding a current role in its school, without any service.
CLASSES = SearchSource(
    code="test.class",
    label="Classes",
    model=SchoolClass,
    text=lambda school_class: (str(school_class), school_class.school.name),
    url=lambda school_class: f"/classes/{school_class.pk}/",
    visible_to=lambda person: SchoolClass.objects.filter(
        school__in=Membership.objects.current().filter(person=person).values("school")
    ),
    summary=lambda school_class: school_class.school.name,
    queryset=lambda: SchoolClass.objects.select_related("school"),
)


def note(
    author: User, title: str, text: str = "", *, at: datetime | None = None, summary: str = ""
) -> AuditEvent:
    """Write a private note of `author`."""
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=author,
        actor_label=author.display_name,
        action=NOTE,
        target_label=title,
        data={"text": text, "summary": summary},
    )


def touch(event: AuditEvent, **changes: object) -> AuditEvent:
    """Change a note and move its date of change, as an app's action would."""
    for name, value in changes.items():
        if name in {"text", "summary"}:
            event.data[name] = value
        else:
            setattr(event, name, value)
    event.at = timezone.now()
    event.save()
    return event
