"""Every change of the chat: channels, private conversations, messages, status, contacts, rules.

Each action checks its predicate before any write, so a refused or invalid request stores
nothing; live events and notifications leave after the commit. The access rule of MIN-06 is
checked by every action a person takes in the chat, so a WebSocket opened at 17:59 cannot
post at 18:01.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.directory.models import Membership, Profile, School, SchoolClass, TeachingGroup, User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.communication import writable_people

from . import live
from .models import (
    BODY_MAX,
    NAME_MAX,
    AccessPolicy,
    ApprovedContact,
    ChatProfile,
    Conversation,
    Kind,
    Message,
    Mode,
    Participant,
    Status,
)
from .permissions import (
    access_refusal,
    can_manage_channel,
    can_moderate_message,
    can_open_channel,
    direct_refusal,
    manages_school_chat,
    other_party,
)

PRIVATE_MESSAGE_EVENT = "chat.private_message"
MEMBERS_MAX = 500


class ChatClosed(PermissionDenied):
    """The chat is closed to the person now (MIN-06)."""


def ensure_open(person: User, *, at: datetime | None = None) -> None:
    """Raise `ChatClosed` with the reason when `person` may not chat now."""
    refusal = access_refusal(person, at=at)
    if refusal is not None:
        raise ChatClosed(refusal)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the channel a name."))
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("The name is too long (%(max)d characters at most).") % {"max": NAME_MAX}
        )
    return name


def clean_body(body: str) -> str:
    """Return the message text, or refuse an empty or oversized one."""
    body = body.replace("\x00", "").strip()
    if not body:
        raise ValidationError(_("Write a message first."))
    if len(body) > BODY_MAX:
        raise ValidationError(
            _("The message is too long (%(max)d characters at most).") % {"max": BODY_MAX}
        )
    return body


def chat_profile(person: User) -> ChatProfile:
    """Return the person's chat profile, creating it with the defaults."""
    profile, _created = ChatProfile.objects.get_or_create(person=person)
    return profile


def _join(conversation: Conversation, people: Iterable[User]) -> list[int]:
    """File `conversation` among each person's conversations; return the newcomers' ids."""
    present = set(conversation.participants.values_list("person_id", flat=True))
    newcomers = [person for person in people if person.pk not in present]
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, person=person) for person in newcomers],
        ignore_conflicts=True,
    )
    return [person.pk for person in newcomers]


@transaction.atomic
def open_channel(
    *,
    actor: User,
    school: School,
    name: str = "",
    division: SchoolClass | TeachingGroup | None = None,
    members: Iterable[User] = (),
) -> Conversation:
    """Open a channel (MIN-02): for a class or teaching group, whose members are read from the
    directory, or on a topic with chosen members the actor may write to."""
    ensure_open(actor)
    if not can_open_channel(actor, school_id=school.pk, division=division):
        raise PermissionDenied(_("You may not open a channel here."))
    if isinstance(division, SchoolClass):
        kind, name = Kind.CLASS, _clean_name(name or division.label or division.code)
    elif isinstance(division, TeachingGroup):
        kind, name = Kind.GROUP, _clean_name(name or division.label or division.code)
    else:
        kind, name = Kind.TOPIC, _clean_name(name)
    chosen = [person for person in members if person.pk != actor.pk]
    if len(chosen) > MEMBERS_MAX:
        raise ValidationError(_("Too many members at once."))
    if chosen:
        allowed = set(
            writable_people(actor)
            .filter(pk__in=[person.pk for person in chosen])
            .values_list("pk", flat=True)
        )
        refused = [person for person in chosen if person.pk not in allowed]
        if refused:
            raise PermissionDenied(
                _("The communication rules do not let you add %(name)s.")
                % {"name": refused[0].display_name}
            )
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=kind,
                school=school,
                name=name,
                school_class=division if isinstance(division, SchoolClass) else None,
                teaching_group=division if isinstance(division, TeachingGroup) else None,
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError(_("This class or group already has its channel.")) from None
    joined = _join(conversation, [actor, *chosen])
    record(actor=actor, action="chat.channel.open", target=conversation)
    live.conversation_opened(conversation, joined)
    return conversation


@transaction.atomic
def rename_channel(*, actor: User, conversation: Conversation, name: str) -> Conversation:
    """Rename a channel."""
    if not can_manage_channel(actor, conversation):
        raise PermissionDenied(_("You may not manage this channel."))
    conversation.name = _clean_name(name)
    conversation.save(update_fields=["name"])
    record(actor=actor, action="chat.channel.rename", target=conversation)
    return conversation


@transaction.atomic
def add_members(*, actor: User, conversation: Conversation, people: Iterable[User]) -> int:
    """Add people the actor may write to to a topic channel; return how many joined."""
    if conversation.kind != Kind.TOPIC or not can_manage_channel(actor, conversation):
        raise PermissionDenied(_("You may not manage this channel."))
    chosen = list(people)
    allowed = writable_people(actor).filter(pk__in=[person.pk for person in chosen])
    if allowed.count() != len({person.pk for person in chosen}):
        raise PermissionDenied(_("The communication rules do not let you add these people."))
    joined = _join(conversation, chosen)
    record(actor=actor, action="chat.channel.add_members", target=conversation)
    live.conversation_opened(conversation, joined)
    return len(joined)


@transaction.atomic
def delete_channel(*, actor: User, conversation: Conversation) -> None:
    """Delete a channel: it disappears from every member's list with its messages."""
    if not can_manage_channel(actor, conversation):
        raise PermissionDenied(_("You may not manage this channel."))
    conversation.deleted_at = timezone.now()
    conversation.save(update_fields=["deleted_at"])
    record(actor=actor, action="chat.channel.delete", target=conversation)


@transaction.atomic
def join_channel(*, actor: User, conversation: Conversation) -> None:
    """File a class or group channel the actor belongs to among their conversations."""
    ensure_open(actor)
    if not Conversation.objects.visible_to(actor).filter(pk=conversation.pk).exists():
        raise PermissionDenied(_("You may not join this channel."))
    _join(conversation, [actor])


@transaction.atomic
def leave_conversation(*, actor: User, conversation: Conversation) -> None:
    """Take a conversation out of the actor's list (a topic channel: leave it)."""
    Participant.objects.filter(conversation=conversation, person=actor).delete()


@transaction.atomic
def open_direct(*, actor: User, other: User) -> Conversation:
    """Open (or find again) the private conversation of the actor with `other` (MIN-03),
    within the communication rules and `other`'s approved contacts (MIN-05)."""
    ensure_open(actor)
    low, high = sorted((actor.pk, other.pk))
    existing = Conversation.objects.filter(direct_key=f"{low}-{high}", deleted_at=None).first()
    started_by_other = existing is not None and existing.created_by_id == other.pk
    refusal = direct_refusal(actor, other, started_by_other=started_by_other)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if existing is not None:
        _join(existing, [actor, other])
        return existing
    school = _common_school(actor, other)
    conversation = Conversation.objects.create(
        kind=Kind.DIRECT, school=school, direct_key=f"{low}-{high}", created_by=actor
    )
    joined = _join(conversation, [actor, other])
    live.conversation_opened(conversation, joined)
    return conversation


def _common_school(actor: User, other: User) -> School | None:
    mine = Membership.objects.current().filter(person=actor).values("school")
    shared = (
        Membership.objects.current()
        .filter(person=other, school__in=mine)
        .select_related("school")
        .order_by("school_id")
        .first()
    )
    if shared is not None:
        return shared.school
    own = Membership.objects.current().filter(person=actor).select_related("school").first()
    return own.school if own else None


@transaction.atomic
def post_message(*, actor: User, conversation: Conversation, body: str) -> Message:
    """Post a message to a conversation the actor may read, and deliver it live; a private
    message to somebody offline becomes a notification."""
    ensure_open(actor)
    body = clean_body(body)
    if not Conversation.objects.visible_to(actor).filter(pk=conversation.pk).exists():
        raise PermissionDenied(_("You may not write in this conversation."))
    other: User | None = None
    if conversation.kind == Kind.DIRECT:
        other = other_party(conversation, actor)
        if other is None:
            raise PermissionDenied(_("The other person has left the ENT."))
        refusal = direct_refusal(
            actor, other, started_by_other=conversation.created_by_id == other.pk
        )
        if refusal is not None:
            raise PermissionDenied(refusal)
    message = Message.objects.create(conversation=conversation, author=actor, body=body)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    _join(conversation, [actor] if other is None else [actor, other])
    Participant.objects.filter(conversation=conversation, person=actor).update(
        last_read_at=message.created_at
    )
    live.message_posted(message)
    if other is not None and not ChatProfile.objects.filter(person=other, connections__gt=0):
        event = Event(
            kind=PRIVATE_MESSAGE_EVENT,
            title=_("New private message from %(name)s") % {"name": actor.display_name},
            url=reverse("chat:conversation", args=[conversation.pk]),
            school_id=conversation.school_id,
        )
        recipients = User.objects.filter(pk=other.pk)
        transaction.on_commit(lambda: notify(recipients=recipients, event=event))
    return message


@transaction.atomic
def mark_read(*, actor: User, conversation: Conversation) -> None:
    """Remember that the actor read the conversation up to now."""
    Participant.objects.filter(conversation=conversation, person=actor).update(
        last_read_at=timezone.now()
    )


@transaction.atomic
def hide_message(*, actor: User, message: Message) -> None:
    """Hide a message (moderation): it disappears from every page and open window."""
    if not can_moderate_message(actor, message):
        raise PermissionDenied(_("You may not moderate this conversation."))
    message.hidden_at = timezone.now()
    message.hidden_by = actor
    message.save(update_fields=["hidden_at", "hidden_by"])
    record(actor=actor, action="chat.message.hide", target=message)
    live.message_hidden(message)


def _followed(person: User) -> list[int]:
    return list(
        Conversation.objects.visible_to(person).joined_by(person).values_list("pk", flat=True)
    )


@transaction.atomic
def set_status(*, actor: User, status: str) -> ChatProfile:
    """Set the status others see while the actor is connected (MIN-04)."""
    if status not in Status.values:
        raise ValidationError(_("Choose a status from the list."))
    profile = chat_profile(actor)
    profile.status = status
    profile.save(update_fields=["status"])
    live.status_changed(actor.pk, profile.shown_status, _followed(actor))
    return profile


@transaction.atomic
def connect(*, actor: User) -> ChatProfile:
    """Count a live connection of the actor: they are online."""
    profile = chat_profile(actor)
    ChatProfile.objects.filter(pk=profile.pk).update(
        connections=F("connections") + 1, last_seen_at=timezone.now()
    )
    profile.refresh_from_db()
    live.status_changed(actor.pk, profile.shown_status, _followed(actor))
    return profile


@transaction.atomic
def disconnect(*, actor: User) -> ChatProfile:
    """Count a closed connection of the actor: offline after the last one."""
    profile = chat_profile(actor)
    ChatProfile.objects.filter(pk=profile.pk).update(
        connections=Greatest(F("connections") - 1, 0), last_seen_at=timezone.now()
    )
    profile.refresh_from_db()
    live.status_changed(actor.pk, profile.shown_status, _followed(actor))
    return profile


@transaction.atomic
def set_approved_only(*, actor: User, approved_only: bool) -> ChatProfile:
    """Let only approved contacts start a private conversation with the actor (MIN-05)."""
    profile = chat_profile(actor)
    profile.is_approved_only = approved_only
    profile.save(update_fields=["is_approved_only"])
    record(actor=actor, action="chat.contacts.restrict", data={"approved_only": approved_only})
    return profile


@transaction.atomic
def approve_contact(*, actor: User, contact: User) -> ApprovedContact:
    """Add a person the actor may write to to their approved contacts."""
    if contact.pk == actor.pk or not writable_people(actor).filter(pk=contact.pk).exists():
        raise PermissionDenied(_("You may not add this person to your contacts."))
    approved, _created = ApprovedContact.objects.get_or_create(owner=actor, contact=contact)
    return approved


@transaction.atomic
def remove_contact(*, actor: User, contact: User) -> None:
    """Take a person out of the actor's approved contacts."""
    ApprovedContact.objects.filter(owner=actor, contact=contact).delete()


@transaction.atomic
def set_access_policy(
    *,
    actor: User,
    school: School,
    profile: str,
    mode: str,
    opens_at: time | None = None,
    closes_at: time | None = None,
) -> AccessPolicy:
    """Set when one profile of the school may chat: always, between two hours, never (MIN-06)."""
    if not manages_school_chat(actor, school.pk):
        raise PermissionDenied(_("You may not set the chat rules of this school."))
    if profile not in Profile.values:
        raise ValidationError(_("Choose a profile from the list."))
    if mode not in Mode.values:
        raise ValidationError(_("Choose an access from the list."))
    if mode == Mode.HOURS:
        if opens_at is None or closes_at is None or opens_at == closes_at:
            raise ValidationError(_("Give two different hours: when the chat opens and closes."))
    else:
        opens_at = closes_at = None
    policy, _created = AccessPolicy.objects.update_or_create(
        school=school,
        profile=profile,
        defaults={"mode": mode, "opens_at": opens_at, "closes_at": closes_at, "updated_by": actor},
    )
    record(
        actor=actor,
        action="chat.policy.set",
        target=policy,
        data={"profile": profile, "mode": mode},
    )
    return policy


def purge_person(person: User) -> None:
    """Erase a departed person's chat data; their messages stay, with no author."""
    ChatProfile.objects.filter(person=person).delete()
    ApprovedContact.objects.filter(owner=person).delete()
    ApprovedContact.objects.filter(contact=person).delete()
    Participant.objects.filter(person=person).delete()
