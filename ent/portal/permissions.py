"""Predicates of the portal's personalisation: who may set the defaults of which level."""

from __future__ import annotations

from ent.directory.models import (
    HeadTeacher,
    Membership,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.permissions import ADMIN_SERVICE, is_operator
from ent.rights.queries import has_service
from ent.rights.registry import Level


def can_manage_school_portal(user: User, school: School) -> bool:
    """Tell whether `user` sets the portal of `school`: its administrators (or an operator)."""
    if is_operator(user):
        return True
    return has_service(user, ADMIN_SERVICE, school=school, level=Level.MANAGE)


def can_edit_layout(
    user: User,
    *,
    school: School | None,
    profile: str = "",
    school_class: SchoolClass | None = None,
    teaching_group: TeachingGroup | None = None,
) -> bool:
    """Tell whether `user` may set the layout of a level (school None: the project); a school or
    a profile in it is its administrators', a class or a group also its teachers'."""
    if school is None:
        return is_operator(user)
    if can_manage_school_portal(user, school):
        return True
    if profile or not Membership.objects.current().filter(person=user, school=school).exists():
        return False
    # PPO-06: a class's head teacher and its teachers set it, within the school's limits.
    if school_class is not None:
        return (
            HeadTeacher.objects.filter(teacher=user, school_class=school_class).exists()
            or TeachingAssignment.objects.filter(teacher=user, school_class=school_class).exists()
        )
    if teaching_group is not None:
        return TeachingAssignment.objects.filter(
            teacher=user, teaching_group=teaching_group
        ).exists()
    return False


def can_edit_school_page(user: User, school: School) -> bool:
    """Tell whether `user` may write the public page of `school`."""
    return can_manage_school_portal(user, school)
