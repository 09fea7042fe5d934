"""Who may do what to a folder or a document (UTI-UTL-ESF-06).

The owner holds every right. Others hold what a share gives them, on the item itself or on a
folder above it: read (ShareRole.READ), read and modify (CONTRIBUTE: rename, upload into a
folder), read, modify and delete (MANAGE: also move and put in the trash). Only the owner
shares, so a share never outlives the owner's intent.
"""

from __future__ import annotations

from django.db import models

from ent.directory.models import User
from ent.rights.models import ShareRole
from ent.rights.queries import role_on

from .models import Document, Folder

Item = Folder | Document


def role_of(user: User, item: Item) -> ShareRole | None:
    """The highest role `user` holds on `item`, directly or through a folder above it."""
    if not user.is_authenticated or not user.is_active:
        return None
    if item.owner_id == user.pk:
        return ShareRole.MANAGE
    # A folder's path ends with itself; a document adds its own shares to its folder's.
    resources: list[models.Model]
    if isinstance(item, Folder):
        resources = [Folder(pk=pk) for pk in item.ancestor_ids]
    else:
        above = item.folder.ancestor_ids if item.folder is not None else []
        resources = [item, *(Folder(pk=pk) for pk in above)]
    roles = [role for resource in resources if (role := role_on(user, resource)) is not None]
    return max(roles) if roles else None


def can_read(user: User, item: Item) -> bool:
    """Tell whether `user` may open `item`."""
    return role_of(user, item) is not None


def can_modify(user: User, item: Item) -> bool:
    """Tell whether `user` may rename `item` or, for a folder, add to it."""
    role = role_of(user, item)
    return role is not None and role >= ShareRole.CONTRIBUTE


def can_delete(user: User, item: Item) -> bool:
    """Tell whether `user` may move `item` or put it in the trash."""
    return role_of(user, item) == ShareRole.MANAGE


def can_upload_into(user: User, folder: Folder | None) -> bool:
    """Tell whether `user` may add to `folder` (None: their own root)."""
    return folder is None or can_modify(user, folder)


def can_share(user: User, item: Item) -> bool:
    """Tell whether `user` may share `item`: only its owner."""
    return user.is_authenticated and item.owner_id == user.pk


def is_owner(user: User, item: Item) -> bool:
    """Tell whether `item` is in `user`'s own space."""
    return item.owner_id == user.pk
