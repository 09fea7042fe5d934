"""People and tickets beyond the cast, for the support tests."""

from __future__ import annotations

import itertools
from typing import Any

from ent.directory.models import Membership, Profile, School, Source, User
from ent.directory.testing import Cast
from ent.support.actions import open_ticket
from ent.support.models import Category, Ticket

_numbers = itertools.count(1)


def person_in(school: School, profile: str, **fields: Any) -> User:
    """Create a person holding `profile` in `school`."""
    number = next(_numbers)
    person = User.objects.create_user(
        f"support.person{number}",
        "secret-Passw0rd!",
        first_name=fields.pop("first_name", f"Person{number}"),
        last_name=fields.pop("last_name", "Support"),
        **fields,
    )
    Membership.objects.create(person=person, school=school, profile=profile, source=Source.MANUAL)
    return person


def operator(**fields: Any) -> User:
    """Create an operator of the project (level 2), who belongs to no school."""
    number = next(_numbers)
    return User.objects.create_user(
        f"support.operator{number}",
        "secret-Passw0rd!",
        first_name="Olga",
        last_name=f"Operator{number}",
        is_staff=True,
        **fields,
    )


def academy_officer() -> User:
    """Create a member of the académie's staff (ACA), who oversees support read-only."""
    rectorat, _ = School.objects.get_or_create(
        uai="0000099H", defaults={"name": "Rectorat", "kind": "SERVICE"}
    )
    return person_in(rectorat, Profile.ACA, first_name="Anne", last_name="Académie")


def new_ticket(cast: Cast, *, author: User | None = None, **fields: Any) -> Ticket:
    """Open a ticket in the cast's school through the action, by the pupil unless told."""
    values: dict[str, Any] = {
        "subject": "Je ne peux pas ouvrir mon agenda",
        "description": "La page reste blanche depuis ce matin.",
        "category": Category.BUG,
    }
    return open_ticket(actor=author or cast.pupil, school=cast.school, **(values | fields))
