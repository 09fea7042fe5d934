"""Who may write, validate, accept and withdraw news and alerts (AIN-01, AIN-04)."""

from __future__ import annotations

from ent.directory.models import Membership, Profile, School, User
from ent.rights.permissions import is_operator
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import SERVICE, Announcement, Status


def _rights(user: User, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(user)


def can_write_in(user: User, school: School | int, rights: Rights | None = None) -> bool:
    """Tell whether `user` may write items for `school` (a grant of the service to use)."""
    return _rights(user, rights).has(SERVICE, school=school, level=Level.USE)


def can_validate_in(user: User, school: School | int, rights: Rights | None = None) -> bool:
    """Tell whether `user` is an editorial responsible of `school` (the service to manage)."""
    return _rights(user, rights).has(SERVICE, school=school, level=Level.MANAGE)


def authority_schools(user: User) -> list[School]:
    """Return the schools `user` may offer local-authority items to: an operator, all of them;
    local-authority staff (COL) granted the service, the schools they are attached to."""
    if is_operator(user):
        return list(School.objects.filter(is_active=True).order_by("name"))
    rights = effective_rights(user)
    attached = Membership.objects.current().filter(person=user, profile=Profile.COL)
    schools = School.objects.filter(pk__in=attached.values("school_id")).order_by("name")
    return [school for school in schools if can_write_in(user, school, rights)]


def can_edit_announcement(user: User, announcement: Announcement) -> bool:
    """Tell whether `user` may change an item: its author, while a draft or rejected."""
    return announcement.author_id == user.pk and announcement.is_editable


def can_validate_announcement(user: User, announcement: Announcement) -> bool:
    """Tell whether `user` may validate or reject a submitted item of their school."""
    return (
        announcement.status == Status.SUBMITTED
        and announcement.school_id is not None
        and can_validate_in(user, announcement.school_id)
    )


def can_accept_announcement(user: User, announcement: Announcement, school: School) -> bool:
    """Tell whether `user` may show a local-authority item in `school` (its head)."""
    return (
        announcement.is_from_authority
        and announcement.status == Status.VALIDATED
        and announcement.offered_to.filter(pk=school.pk).exists()
        and can_validate_in(user, school)
    )


def can_withdraw_announcement(user: User, announcement: Announcement) -> bool:
    """Tell whether `user` may take an item down: its author, or its school's validator."""
    if announcement.status in (Status.WITHDRAWN, Status.EXPIRED):
        return False
    if announcement.author_id == user.pk or is_operator(user):
        return True
    return announcement.school_id is not None and can_validate_in(user, announcement.school_id)
