"""Address-book data beyond the rights world: entries, vCard files, a populated school."""

from __future__ import annotations

from typing import Any

from ent.addressbook.models import Contact
from ent.directory.models import (
    Membership,
    Profile,
    School,
    Source,
    TeachingAssignment,
    User,
)
from ent.rights.tests.factories import new_class, person_in, pupil_in


def contact_of(owner: User, **fields: Any) -> Contact:
    """Create a free entry in `owner`'s book."""
    values: dict[str, Any] = {"first_name": "Jean", "last_name": "Martin"}
    return Contact.objects.create(owner=owner, **(values | fields))


def vcard(*cards: str, version: str = "4.0") -> bytes:
    """Return a vCard file of cards given as their property lines."""
    body = "".join(
        f"BEGIN:VCARD\r\nVERSION:{version}\r\n{card.strip()}\r\nEND:VCARD\r\n" for card in cards
    )
    return body.encode("utf-8")


def populate(school: School, *, teacher: User, pupils: int) -> None:
    """Add a class taught by `teacher`, its pupils, and a colleague, to `school`."""
    school_class = new_class(school=school)
    if not Membership.objects.filter(person=teacher, school=school).exists():
        Membership.objects.create(
            person=teacher, school=school, profile=Profile.ENS, source=Source.MANUAL
        )
    TeachingAssignment.objects.create(teacher=teacher, school_class=school_class, subject_code="MA")
    for _number in range(pupils):
        pupil_in(school_class)
    person_in(school, Profile.ENS)
