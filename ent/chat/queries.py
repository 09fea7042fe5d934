"""Reads of the chat for its pages, its API and its WebSocket."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ent.directory.models import Enrolment, HeadTeacher, School, TeachingAssignment, User
from ent.rights.communication import writable_people
from ent.rights.queries import effective_rights
from ent.rights.registry import Level

from .models import (
    SERVICE,
    AccessPolicy,
    ApprovedContact,
    ChatProfile,
    Conversation,
    Kind,
    Message,
    Participant,
    Status,
)

HISTORY = 100
PEOPLE_MAX = 300


@dataclass(frozen=True)
class ConversationRow:
    """One line of the person's conversation list."""

    conversation: Conversation
    title: str
    unread: int
    other: User | None = None
    status: str = ""


@dataclass(frozen=True)
class Member:
    """A member of a conversation and the status others see (MIN-04)."""

    person: User
    status: str

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def statuses(person_ids: list[int]) -> dict[int, str]:
    """Return the shown status of each person (offline without a live connection)."""
    found = {pid: str(Status.OFFLINE) for pid in person_ids}
    for profile in ChatProfile.objects.filter(person__in=person_ids):
        found[profile.person_id] = profile.shown_status
    return found


def _others(conversation_ids: list[int], person: User) -> dict[int, User]:
    rows = (
        Participant.objects.filter(conversation__in=conversation_ids)
        .exclude(person=person)
        .select_related("person")
    )
    return {row.conversation_id: row.person for row in rows}


def title_of(conversation: Conversation, person: User) -> str:
    """Return how `person` names the conversation: the channel, or the other person."""
    if conversation.kind != Kind.DIRECT:
        return conversation.name
    other = _others([conversation.pk], person).get(conversation.pk)
    return other.display_name if other else _("Former member")


def conversations_of(person: User) -> list[ConversationRow]:
    """Return the conversations `person` follows, latest activity first, with unread counts."""
    joined = Participant.objects.filter(person=person)
    conversations = list(
        Conversation.objects.visible_to(person)
        .joined_by(person)
        .order_by("-last_message_at", "-created_at")[:PEOPLE_MAX]
    )
    read_at = dict(joined.values_list("conversation_id", "last_read_at"))
    ids = [conversation.pk for conversation in conversations]
    unread: dict[int, int] = dict.fromkeys(ids, 0)
    messages = Message.objects.filter(conversation__in=ids, hidden_at=None).exclude(author=person)
    for conversation_id, created_at in messages.values_list("conversation_id", "created_at"):
        last = read_at.get(conversation_id)
        if last is None or created_at > last:
            unread[conversation_id] += 1
    others = _others([c.pk for c in conversations if c.kind == Kind.DIRECT], person)
    shown = statuses([other.pk for other in others.values()])
    rows = []
    for conversation in conversations:
        other = others.get(conversation.pk)
        if conversation.kind == Kind.DIRECT:
            title = other.display_name if other else _("Former member")
        else:
            title = conversation.name
        rows.append(
            ConversationRow(
                conversation,
                title,
                unread[conversation.pk],
                other,
                shown.get(other.pk, "") if other else "",
            )
        )
    return rows


def unread_total(person: User) -> int:
    """Return how many messages wait unread in the person's conversations."""
    return sum(row.unread for row in conversations_of(person))


def joinable_channels(person: User) -> QuerySet[Conversation]:
    """Return the class and group channels `person` belongs to but has not joined yet."""
    return (
        Conversation.objects.visible_to(person)
        .channels()
        .exclude(pk__in=Participant.objects.filter(person=person).values("conversation"))
        .order_by("name")
    )


def history(conversation: Conversation, *, before: int | None = None) -> list[Message]:
    """Return the latest messages of a conversation, oldest first (hidden ones left out)."""
    messages = Message.objects.filter(conversation=conversation, hidden_at=None)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    latest = list(messages.select_related("author").order_by("-created_at", "-pk")[:HISTORY])
    return latest[::-1]


def members_of(conversation: Conversation) -> list[Member]:
    """Return the members of a conversation with their status, by name."""
    people: QuerySet[User]
    if conversation.kind == Kind.CLASS:
        division = Q(school_class=conversation.school_class_id)
        people = User.objects.filter(
            Q(pk__in=Enrolment.objects.filter(division).values("pupil"))
            | Q(pk__in=TeachingAssignment.objects.filter(division).values("teacher"))
            | Q(pk__in=HeadTeacher.objects.filter(division).values("teacher"))
        )
    elif conversation.kind == Kind.GROUP:
        division = Q(teaching_group=conversation.teaching_group_id)
        people = User.objects.filter(
            Q(pk__in=Enrolment.objects.filter(division).values("pupil"))
            | Q(pk__in=TeachingAssignment.objects.filter(division).values("teacher"))
        )
    else:
        people = User.objects.filter(
            pk__in=Participant.objects.filter(conversation=conversation).values("person")
        )
    found = list(people.filter(is_active=True).order_by("last_name", "first_name")[:PEOPLE_MAX])
    shown = statuses([person.pk for person in found])
    return [Member(person, shown[person.pk]) for person in found]


def chat_partners(person: User) -> QuerySet[User]:
    """Return the people `person` may pick for a private conversation or a contact list."""
    return writable_people(person).exclude(pk=person.pk).order_by("last_name", "first_name")


def approved_contacts(person: User) -> list[User]:
    """Return the person's approved contacts (MIN-05), by name."""
    return [
        row.contact
        for row in ApprovedContact.objects.filter(owner=person)
        .select_related("contact")
        .order_by("contact__last_name", "contact__first_name")
    ]


def chat_profile_of(person: User) -> ChatProfile:
    """Return the person's chat profile, unsaved defaults when they never chatted."""
    return ChatProfile.objects.filter(person=person).first() or ChatProfile(person=person)


def managed_schools(person: User) -> QuerySet[School]:
    """Return the schools whose chat rules `person` sets (chat at the MANAGE level)."""
    ids = effective_rights(person).school_ids(SERVICE, level=Level.MANAGE)
    schools = School.objects.filter(is_active=True).order_by("name")
    return schools if ids is None else schools.filter(pk__in=ids)


def policies_of(school: School) -> dict[str, AccessPolicy]:
    """Return the school's chat access rules by profile."""
    return {policy.profile: policy for policy in AccessPolicy.objects.filter(school=school)}


def direct_with(person: User, other: User) -> Conversation | None:
    """Return the existing private conversation of two people, if any."""
    low, high = sorted((person.pk, other.pk))
    return Conversation.objects.filter(direct_key=f"{low}-{high}", deleted_at=None).first()


def is_follower(person: User, conversation: Conversation) -> bool:
    """Tell whether the conversation is among the person's own."""
    return Participant.objects.filter(conversation=conversation, person=person).exists()
