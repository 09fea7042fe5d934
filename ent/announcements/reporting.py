"""News and alerts can be reported (issue 6, item 8); their school's validators moderate them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ent.directory.models import User
from ent.moderation.registry import Moderated
from ent.moderation.registry import register as register_kind
from ent.rights.permissions import is_operator

from .actions import withdraw_announcement
from .models import Announcement
from .permissions import can_validate_in
from .queries import validators_of

KIND = "announcements.announcement"


def _can_moderate(user: User, announcement: Announcement) -> bool:
    if announcement.school_id is None:
        return is_operator(user) or announcement.author_id == user.pk
    return can_validate_in(user, announcement.school_id)


def _moderators(announcement: Announcement) -> QuerySet[User]:
    if announcement.school is None:
        author: QuerySet[User] = User.objects.filter(pk=announcement.author_id or 0)
        return author
    return validators_of([announcement.school])


def _hide(actor: User, announcement: Announcement) -> None:
    withdraw_announcement(actor=actor, announcement=announcement)


def _visible_to(user: User) -> QuerySet[Any]:
    return Announcement.objects.visible_to(user)


def register() -> None:
    """Make news and alerts reportable."""
    register_kind(
        Moderated(
            kind=KIND,
            label=_("News or alert"),
            model=Announcement,
            visible_to=_visible_to,
            can_moderate=_can_moderate,
            moderators=_moderators,
            hide=_hide,
            url=lambda item: reverse("announcements:detail", args=[item.pk]),
        )
    )
