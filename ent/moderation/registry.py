"""What may be reported, and how: each app that holds reportable content registers it here.

An app calls `register(Moderated(...))` from its `AppConfig.ready()`; the moderation app never
imports the apps it moderates, it only calls the functions they hand over::

    register(
        Moderated(
            kind="forums.post",
            label=_("Forum post"),
            model=Post,
            visible_to=Post.objects.visible_to,
            can_moderate=can_moderate_post,
            moderators=post_moderators,
            hide=lambda actor, post: hide_post(actor=actor, post=post),
            url=lambda post: post.get_absolute_url(),
        )
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise

from ent.directory.models import User


@dataclass(frozen=True)
class Moderated:
    """A kind of content people may report, and the app's answers about one object of it."""

    # "app.noun", for instance "forums.post".
    kind: str
    label: str | Promise
    model: type[models.Model]
    # The objects `user` may read: one may only report what one can see.
    visible_to: Callable[[User], models.QuerySet[Any]]
    # Whether `user` may hide or dismiss reports on the object.
    can_moderate: Callable[[User, Any], bool]
    # Who is told of a new report on the object.
    moderators: Callable[[Any], Iterable[User]]
    # Hide the object (called by `decide(..., decision="hide")`, inside its transaction).
    hide: Callable[[User, Any], None]
    # Where the object is read.
    url: Callable[[Any], str]


_registry: dict[str, Moderated] = {}


def register(entry: Moderated) -> None:
    """Declare a kind of reportable content (a second registration replaces the first)."""
    _registry[entry.kind] = entry


def unregister(kind: str) -> None:
    """Forget a kind (tests)."""
    _registry.pop(kind, None)


def get(kind: str) -> Moderated:
    """Return the registration of `kind`; LookupError when no app registered it."""
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(kind) from None


def registered() -> list[Moderated]:
    """Return every registered kind, in a stable order."""
    return [_registry[kind] for kind in sorted(_registry)]
