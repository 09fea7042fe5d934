"""Predicates of the address book: who may change an entry, who may export a school."""

from __future__ import annotations

from ent.directory.models import School, User
from ent.rights.permissions import ADMIN_SERVICE, is_operator
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import Contact


def can_edit_contact(user: User, contact: Contact) -> bool:
    """Tell whether `user` may change or remove `contact`: only the book's owner."""
    return bool(user.is_active and contact.owner_id == user.pk)


def can_export_school_directory(
    user: User, school: School, *, rights: Rights | None = None
) -> bool:
    """Tell whether `user` administers `school` and so may export its directory (PBL-07)."""
    if is_operator(user):
        return True
    held = rights or effective_rights(user)
    return held.has(ADMIN_SERVICE, school=school, level=Level.MANAGE)
