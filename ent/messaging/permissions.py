"""Who may do what with mail (UTI-CCO-CEL): pure predicates, no writes."""

from __future__ import annotations

from django.db.models import QuerySet

from ent.directory.lists import StructureList
from ent.directory.models import Membership, Profile, School, User
from ent.rights.permissions import is_head_of, is_operator
from ent.rights.queries import effective_rights
from ent.rights.registry import Level

from .models import SERVICE, Entry, Folder, Message, Role, Status

# People who work in a school: they address its class and group lists (UTI-CCO-EEC-13) and, as
# the SDET's profiles table says of teachers and staff, may forward their mail (CEL-04).
WORKING_PROFILES = (Profile.ENS, Profile.DOC, Profile.DIR, Profile.EVS, Profile.ETA)
FORWARDING_PROFILES = (*WORKING_PROFILES, Profile.ACA, Profile.COL)
SPECIAL_ROLES = (Role.INBOX, Role.SENT, Role.DRAFTS, Role.TRASH, Role.JUNK)


def can_use_mail(user: User) -> bool:
    """Tell whether `user` holds the mail service at all."""
    return bool(user.is_authenticated and effective_rights(user).has(SERVICE, level=Level.USE))


def can_address_list(user: User, structure_list: StructureList) -> bool:
    """Tell whether `user` may write to a class or group list: staff of its school."""
    return (
        Membership.objects.current()
        .filter(person=user, school_id=structure_list.school_id, profile__in=WORKING_PROFILES)
        .exists()
    )


def can_forward(user: User) -> bool:
    """Tell whether `user` may forward their mail out of the ENT (CEL-04: staff, not pupils)."""
    return (
        Membership.objects.current().filter(person=user, profile__in=FORWARDING_PROFILES).exists()
    )


def can_set_external_policy(user: User, school: School) -> bool:
    """Tell whether `user` may set a school's external mail rules (CEL-05, -06)."""
    if is_operator(user) or is_head_of(user, school.pk):
        return True
    return effective_rights(user).has(SERVICE, school=school, level=Level.MANAGE)


def can_edit_draft(user: User, message: Message) -> bool:
    """Tell whether `message` is a draft of `user`."""
    return message.status == Status.DRAFT and message.author_id == user.pk


def can_change_folder(user: User, folder: Folder) -> bool:
    """Tell whether `user` may rename or delete `folder`: their own, not a special one."""
    return folder.owner_id == user.pk and folder.role == Role.CUSTOM


def mail_moderators(entry: Entry) -> QuerySet[User]:
    """Who hears of a report on mail: the heads of the reporter's and the author's schools."""
    people = [entry.owner_id] + ([entry.message.author_id] if entry.message.author_id else [])
    schools = Membership.objects.current().filter(person__in=people).values("school_id")
    heads = Membership.objects.current().filter(school__in=schools, profile=Profile.DIR)
    found: QuerySet[User] = User.objects.active().filter(pk__in=heads.values("person_id"))
    return found


def can_moderate_entry(user: User, entry: Entry) -> bool:
    """Tell whether `user` may act on reported mail: a head of the reporter's or author's school."""
    return mail_moderators(entry).filter(pk=user.pk).exists()
