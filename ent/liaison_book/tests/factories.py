"""People and notes for the liaison book tests, beyond the cast and build_world."""

from __future__ import annotations

from typing import Any

from ent.directory.models import Profile, SchoolClass, TeachingGroup, User
from ent.liaison_book.actions import write_note
from ent.liaison_book.models import Kind, Note
from ent.rights.tests.factories import guardian_of, person_in, pupil_in


def family_in(school_class: SchoolClass, **fields: Any) -> tuple[User, User]:
    """Create a pupil of `school_class` and their legal guardian (with a TUT membership)."""
    pupil = pupil_in(school_class, **fields)
    guardian = person_in(school_class.school, Profile.TUT, first_name="Parent")
    guardian_of(pupil, guardian)
    return pupil, guardian


def families_in(school_class: SchoolClass, count: int) -> list[tuple[User, User]]:
    """Create `count` families in `school_class`."""
    return [family_in(school_class) for _ in range(count)]


def note_to(author: User, *pupils: User, **fields: Any) -> Note:
    """Write a note to chosen pupils through the action."""
    values: dict[str, Any] = {"title": "Information", "body": "Texte de la note."} | fields
    return write_note(actor=author, pupils=list(pupils), **values)


def class_note(author: User, school_class: SchoolClass | TeachingGroup, **fields: Any) -> Note:
    """Write a note to a whole class, asking for a signature unless told otherwise."""
    values: dict[str, Any] = {
        "title": "Sortie au musée vendredi",
        "body": "Prévoir un pique-nique.",
        "kind": Kind.AUTHORISATION,
        "requires_signature": True,
    } | fields
    return write_note(actor=author, division=school_class, **values)
