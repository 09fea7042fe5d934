"""People and notifications beyond the cast, for the notification tests."""

from __future__ import annotations

import itertools
from typing import Any

from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    School,
    SchoolClass,
    Source,
    User,
)
from ent.notifications.actions import notify
from ent.notifications.events import Event

_numbers = itertools.count(1)


def person(**fields: Any) -> User:
    """Create a person with a fresh login."""
    number = next(_numbers)
    login = fields.pop("login", f"notified.{number}")
    values = {"first_name": "Prénom", "last_name": f"Nom{number}"} | fields
    return User.objects.create_user(login, "secret-Passw0rd!", **values)


def member(school: School, profile: str, **fields: Any) -> User:
    """Create a person holding `profile` in `school`."""
    found = person(**fields)
    Membership.objects.create(person=found, school=school, profile=profile, source=Source.MANUAL)
    return found


def pupil_of(school_class: SchoolClass, **fields: Any) -> User:
    """Create a pupil of the class's school, enrolled in it."""
    pupil = member(school_class.school, "ELV", **fields)
    Enrolment.objects.create(pupil=pupil, school_class=school_class)
    return pupil


def guardian_of(pupil: User, **fields: Any) -> User:
    """Create a guardian of `pupil` known only through the guardianship (as the AAF sends)."""
    guardian = person(**fields)
    Guardianship.objects.create(
        pupil=pupil,
        guardian=guardian,
        guardian_key=f"key-{guardian.pk}",
        relationship="10",
        has_legal_authority=True,
    )
    return guardian


def many_people(count: int, prefix: str = "crowd") -> list[User]:
    """Create `count` people in one insert (no password: they never sign in)."""
    return User.objects.bulk_create(
        User(login=f"{prefix}.{n}", login_base=f"{prefix}.{n}", password="!", email=f"{n}@x.test")
        for n in range(count)
    )


def alert_for(*people: User, title: str = "Sortie annulée", **fields: Any) -> None:
    """Notify `people` of a school alert."""
    notify(recipients=people, event=Event(kind="school.alert", title=title, **fields))
