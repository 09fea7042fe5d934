"""Who may chat, when, with whom, and who manages channels. Pure predicates, no writes.

Reading is decided by `Conversation.objects.visible_to`; these predicates decide the writes,
each one checked inside the action that does it. The refusals that a person should understand
come back as sentences (`access_refusal`, `direct_refusal`), so that the page, the API and the
WebSocket all show the same clear reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ent.directory.models import (
    HeadTeacher,
    Membership,
    Profile,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.communication import may_write_to
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import (
    SERVICE,
    AccessPolicy,
    ApprovedContact,
    ChatProfile,
    Conversation,
    Kind,
    Mode,
    Participant,
)

# Who may open a topic channel in their school (MIN-02): the adults who work there.
CHANNEL_OPENERS = (Profile.ENS, Profile.DOC, Profile.DIR, Profile.EVS, Profile.ETA)


def _active(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def _rights(person: Any, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(person)


def _time(value: Any) -> str:
    return formats.time_format(value, "H:i")


def access_refusal(person: Any, *, at: datetime | None = None) -> str | None:
    """Return why `person` may not chat at `at` (now), or None when they may (MIN-06).

    The person's roles are tried in turn: one role whose school's policy is open is enough.
    """
    if not _active(person):
        return _("Sign in to use instant messaging.")
    moment = at or timezone.now()
    rights = effective_rights(person, at=at)
    if not rights.has(SERVICE, level=Level.USE):
        return _("Instant messaging is not open to you.")
    roles = {(role.school_id, role.profile) for role in rights.roles}
    if not roles:
        return None
    policies = {
        (policy.school_id, policy.profile): policy
        for policy in AccessPolicy.objects.filter(
            school__in={school for school, _profile in roles},
            profile__in={profile for _school, profile in roles},
        )
    }
    local = timezone.localtime(moment).time()
    closed: list[AccessPolicy] = []
    for role in sorted(roles):
        policy = policies.get(role)
        if policy is None or policy.is_open_at(local):
            return None
        closed.append(policy)
    policy = closed[0]
    if policy.mode == Mode.HOURS:
        return _(
            "Instant messaging is closed now: for %(profile)s it is open from %(opens)s "
            "to %(closes)s."
        ) % {
            "profile": Profile(policy.profile).label,
            "opens": _time(policy.opens_at),
            "closes": _time(policy.closes_at),
        }
    return _("Instant messaging is closed to %(profile)s in this school.") % {
        "profile": Profile(policy.profile).label
    }


def accepts_from(owner: User, person: User) -> bool:
    """Tell whether `person` may start a private conversation with `owner` (MIN-05)."""
    profile = ChatProfile.objects.filter(person=owner).first()
    if profile is None or not profile.is_approved_only:
        return True
    return ApprovedContact.objects.filter(owner=owner, contact=person).exists()


def direct_refusal(actor: User, other: User, *, started_by_other: bool = False) -> str | None:
    """Return why `actor` may not write privately to `other`, or None when they may. The
    approved-contacts rule (MIN-05) bars incoming chats only: one may answer whoever wrote."""
    if not _active(other) or other.pk == actor.pk:
        return _("Choose somebody else to chat with.")
    if not may_write_to(actor, other):
        return _("The communication rules of your school do not let you write to %(name)s.") % {
            "name": other.display_name
        }
    if not effective_rights(other).has(SERVICE, level=Level.USE):
        return _("%(name)s does not use instant messaging.") % {"name": other.display_name}
    if not started_by_other and not accepts_from(other, actor):
        return _("%(name)s only accepts chats from their approved contacts.") % {
            "name": other.display_name
        }
    return None


def other_party(conversation: Conversation, person: User) -> User | None:
    """Return the other person of a private conversation (None when they left the ENT)."""
    found = (
        Participant.objects.filter(conversation=conversation)
        .exclude(person=person)
        .select_related("person")
        .first()
    )
    return found.person if found else None


def teaches_division(person: Any, division: SchoolClass | TeachingGroup) -> bool:
    """Tell whether `person` teaches the class or teaching group (or heads the class)."""
    if not _active(person):
        return False
    if isinstance(division, SchoolClass):
        return (
            TeachingAssignment.objects.filter(teacher=person, school_class=division).exists()
            or HeadTeacher.objects.filter(teacher=person, school_class=division).exists()
        )
    return TeachingAssignment.objects.filter(teacher=person, teaching_group=division).exists()


def manages_school_chat(person: Any, school_id: int | None, rights: Rights | None = None) -> bool:
    """Tell whether `person` holds the chat at the MANAGE level in the school."""
    if not _active(person) or school_id is None:
        return False
    return _rights(person, rights).has(SERVICE, school=school_id, level=Level.MANAGE)


def can_open_channel(person: Any, *, school_id: int, division: Any = None) -> bool:
    """Tell whether `person` may open a channel in the school: for a class or group they teach
    (or any, when they manage the school's chat); on a topic, when they work there."""
    if not _active(person):
        return False
    rights = effective_rights(person)
    if not rights.has(SERVICE, school=school_id, level=Level.USE):
        return False
    if manages_school_chat(person, school_id, rights):
        return True
    if division is not None:
        return bool(division.school_id == school_id and teaches_division(person, division))
    return bool(rights.profiles_in(school_id) & set(CHANNEL_OPENERS))


def can_manage_channel(person: Any, conversation: Conversation) -> bool:
    """Tell whether `person` may rename, change members of or delete the channel."""
    if not _active(person) or conversation.kind == Kind.DIRECT:
        return False
    if conversation.created_by_id == person.pk:
        return True
    if manages_school_chat(person, conversation.school_id):
        return True
    division = conversation.school_class or conversation.teaching_group
    return division is not None and teaches_division(person, division)


def can_moderate_message(person: Any, message: Any) -> bool:
    """Tell whether `person` may hide a message: the channel's managers, the school's chat
    managers for a private conversation."""
    conversation = message.conversation
    if conversation.kind == Kind.DIRECT:
        return manages_school_chat(person, conversation.school_id)
    return can_manage_channel(person, conversation)


def message_moderators(message: Any) -> list[User]:
    """Return who hears of a report on a message: the channel's creator and teachers, and
    the school's heads."""
    conversation = message.conversation
    ids: set[int] = set()
    if conversation.kind != Kind.DIRECT and conversation.created_by_id:
        ids.add(conversation.created_by_id)
    if conversation.school_class_id:
        ids |= set(
            TeachingAssignment.objects.filter(
                school_class=conversation.school_class_id
            ).values_list("teacher_id", flat=True)
        )
    if conversation.teaching_group_id:
        ids |= set(
            TeachingAssignment.objects.filter(
                teaching_group=conversation.teaching_group_id
            ).values_list("teacher_id", flat=True)
        )
    if conversation.school_id:
        ids |= set(
            Membership.objects.current()
            .filter(school=conversation.school_id, profile__in=(Profile.DIR, Profile.ETA))
            .values_list("person_id", flat=True)
        )
    people = User.objects.filter(pk__in=ids, is_active=True).order_by("pk")
    return [person for person in people if can_moderate_message(person, message)]
