"""Spaces and posts for the forums tests, made through the actions."""

from __future__ import annotations

from typing import Any

from ent.directory.models import User
from ent.forums.actions import create_space, invite_person, reply_to_post, start_thread
from ent.forums.models import AccessRule, Post, Space


def club(manager: User, *members: User, **fields: Any) -> Space:
    """Open a free space in the manager's first school and invite `members`."""
    school = manager.memberships.order_by("pk").first().school
    values: dict[str, Any] = {"title": "Club maths", "access_rule": AccessRule.APPROVAL} | fields
    space = create_space(actor=manager, school=school, **values)
    for person in members:
        invite_person(actor=manager, space=space, person=person)
    return space


def thread(author: User, space: Space, **fields: Any) -> Post:
    values: dict[str, Any] = {"subject": "Défi n°1", "body": "Combien font 6 fois 7 ?"} | fields
    return start_thread(actor=author, space=space, **values)


def reply(author: User, post: Post, body: str = "42") -> Post:
    return reply_to_post(actor=author, post=post, body=body)
