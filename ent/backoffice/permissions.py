"""Predicates of the school's back-office."""

from __future__ import annotations

from ent.directory.models import School, User
from ent.rights.permissions import is_head_of, is_operator


def can_manage_external_accounts(user: User, school: School) -> bool:
    """Tell whether `user` may create external accounts in `school` and set their validity.

    SDET §9.2: the head of school sets an external account's validity date, and an operator
    may stand in. A delegation of "school_admin" does not make its delegate a head: the
    school's administrative staff hold that service too, so lending it lends their rights.
    """
    return is_operator(user) or is_head_of(user, school.pk)
