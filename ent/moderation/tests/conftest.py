from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ent.directory.models import Membership, SchoolClass, User
from ent.moderation import registry
from ent.rights.permissions import is_head_of

KIND = "tests.school_class"


@dataclass
class Hidden:
    """What the test registration hid, and by whom."""

    items: list[tuple[int, int]] = field(default_factory=list)


def _visible_to(user: User) -> Any:
    schools = Membership.objects.current().filter(person=user).values("school_id")
    return SchoolClass.objects.filter(school_id__in=schools)


def _moderators(school_class: SchoolClass) -> Any:
    heads = Membership.objects.current().filter(school_id=school_class.school_id, profile="DIR")
    return User.objects.filter(pk__in=heads.values("person_id"))


@pytest.fixture
def hidden():
    """Register classes as reportable content, moderated by their school's head."""
    found = Hidden()
    registry.register(
        registry.Moderated(
            kind=KIND,
            label="Classe",
            model=SchoolClass,
            visible_to=_visible_to,
            can_moderate=lambda user, obj: is_head_of(user, obj.school_id),
            moderators=_moderators,
            hide=lambda actor, obj: found.items.append((actor.pk, obj.pk)),
            url=lambda obj: f"/annuaire/classes/{obj.pk}/",
        )
    )
    yield found
    registry.unregister(KIND)


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read the interface's English wording (browsers still ask for French)."""
