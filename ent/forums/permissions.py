"""Who may create, manage, moderate and write in discussion spaces. Pure predicates.

Reading is decided by `Space.objects.visible_to`; these predicates decide the writes, each one
checked inside the action that does it. Creating a space needs the service at the MANAGE level
in the school (teachers, staff and heads by default, pupils not: UTI-CCO-EEC-01); writing needs
it at the USE level (SOC-SEC-AUT-01: the central habilitations decide).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ent.directory.models import (
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
)
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import SERVICE, Post, Role, Space, Status, Subscription, valid_q

Structure = SchoolClass | TeachingGroup
# The school's staff who may open a space for any class or group of their school.
SCHOOL_RUNNERS = (Profile.DIR, Profile.EVS)


def _active(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def _rights(person: Any, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(person)


def may_use(person: Any, school_id: int, rights: Rights | None = None) -> bool:
    """Tell whether `person` holds the forums at the USE level in the school."""
    return _active(person) and _rights(person, rights).has(
        SERVICE, school=school_id, level=Level.USE
    )


def can_create_space(person: Any, school: School, rights: Rights | None = None) -> bool:
    """Tell whether `person` may open a discussion space in `school` (UTI-CCO-EEC-01)."""
    return (
        _active(person)
        and Membership.objects.current().filter(person=person, school=school).exists()
        and _rights(person, rights).has(SERVICE, school=school.pk, level=Level.MANAGE)
    )


def can_attach_to(person: Any, structure: Structure) -> bool:
    """Tell whether `person` may open the space of a class or group: one of its teachers,
    its professeur principal, or the school's head or CPE."""
    if not _active(person):
        return False
    field = "school_class" if isinstance(structure, SchoolClass) else "teaching_group"
    if TeachingAssignment.objects.filter(teacher=person, **{field: structure}).exists():
        return True
    if (
        isinstance(structure, SchoolClass)
        and HeadTeacher.objects.filter(teacher=person, school_class=structure).exists()
    ):
        return True
    return (
        Membership.objects.current()
        .filter(person=person, school=structure.school_id, profile__in=SCHOOL_RUNNERS)
        .exists()
    )


def role_in(person: Any, space: Space) -> str | None:
    """Return `person`'s role in the space while their subscription is active, else None."""
    if not _active(person):
        return None
    role = (
        Subscription.objects.filter(valid_q(), space=space, person=person, status=Status.ACTIVE)
        .values_list("role", flat=True)
        .first()
    )
    return str(role) if role else None


def can_manage_space(person: Any, space: Space) -> bool:
    """Tell whether `person` manages the space (UTI-CCO-EEC-01): members, rules, deletion."""
    return role_in(person, space) == Role.MANAGER


def can_moderate_space(person: Any, space: Space) -> bool:
    """Tell whether `person` moderates the space: a manager or a delegated moderator
    (UTI-CCO-EEC-12)."""
    return role_in(person, space) in (Role.MANAGER, Role.MODERATOR)


def can_moderate_post(person: Any, post: Post) -> bool:
    """Tell whether `person` may hide the post."""
    return can_moderate_space(person, post.space)


def is_reader(person: Any, space: Space) -> bool:
    """Tell whether `person` may read the space now."""
    return Space.objects.visible_to(person).filter(pk=space.pk).exists()


def can_post(person: Any, space: Space, rights: Rights | None = None) -> bool:
    """Tell whether `person` may write in the space: a reader holding the service."""
    return may_use(person, space.school_id, rights) and is_reader(person, space)


def can_join(person: Any, space: Space) -> bool:
    """Tell whether `person` may join the space or ask to (UTI-CCO-EEC-06)."""
    return Space.objects.joinable_by(person).filter(pk=space.pk).exists()


def structure_q(person: Any) -> Q:
    """Classes or groups `person` may attach a space to, as a condition on either model."""
    runs = (
        Membership.objects.current()
        .filter(person=person, profile__in=SCHOOL_RUNNERS)
        .values("school")
    )
    return Q(school__in=runs)
