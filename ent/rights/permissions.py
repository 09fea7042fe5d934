"""Predicates of the rights app: who may grant, delegate, share and set the rules."""

from __future__ import annotations

from django.db import models

from ent.directory.models import Membership, School, User

from .models import ShareRole
from .queries import effective_rights, own_rights, role_on
from .registry import Level

ADMIN_SERVICE = "school_admin"


def is_operator(user: User) -> bool:
    """Tell whether `user` runs the whole project (the operators' admin)."""
    return bool(user.is_active and (user.is_superuser or user.is_staff))


def is_head_of(user: User, school_id: int) -> bool:
    """Tell whether `user` is now the head (DIR) of the school `school_id`."""
    return (
        Membership.objects.current()
        .filter(person=user, school_id=school_id, profile="DIR")
        .exists()
    )


def can_manage_grants(user: User, school: School | None) -> bool:
    """Tell whether `user` may grant services in `school` (None: the whole project)."""
    if is_operator(user):
        return True
    if school is None:
        return False
    return effective_rights(user).has(ADMIN_SERVICE, school=school, level=Level.MANAGE)


def can_delegate(user: User, *, service: str, level: int, school: School) -> bool:
    """Tell whether `user` holds `service` at `level` in `school` by their own roles."""
    return own_rights(user).has(service, school=school, level=level)


def can_share(user: User, resource: models.Model, *, owner: User | None = None) -> bool:
    """Tell whether `user` may share `resource`: its owner, or someone who manages it."""
    return role_on(user, resource, owner=owner) == ShareRole.MANAGE


def can_set_communication_rules(user: User, school: School | None) -> bool:
    """Tell whether `user` may change who sees whom in `school` (None: the project)."""
    return can_manage_grants(user, school)
