"""Who may write, reply, sign, edit and follow notes of the liaison book. Pure predicates.

Reading is decided by `Note.objects.visible_to` and `books_visible_to`; these predicates decide
the writes, each one checked inside the action that does it. A write also needs the service at
the USE level in the note's school (SOC-SEC-AUT-01: the central habilitations decide).
"""

from __future__ import annotations

from typing import Any

from ent.directory.models import (
    Guardianship,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingGroup,
    User,
)
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import (
    SERVICE,
    Note,
    Recipient,
    staff_schools,
    taught_classes,
    taught_groups,
    taught_pupils,
)

Division = SchoolClass | TeachingGroup


def _active(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def _rights(person: Any, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(person)


def school_of(pupil: User) -> School | None:
    """Return the school the pupil is enrolled in now (ELV), or None."""
    membership = (
        Membership.objects.current()
        .filter(person=pupil, profile=Profile.ELV)
        .select_related("school")
        .order_by("school_id")
        .first()
    )
    return membership.school if membership else None


def is_legal_guardian(person: Any, pupil: User) -> bool:
    """Tell whether `person` is a legal guardian of `pupil`."""
    return (
        _active(person)
        and Guardianship.objects.filter(
            guardian=person, pupil=pupil, has_legal_authority=True
        ).exists()
    )


def runs_school(person: Any, school_id: int) -> bool:
    """Tell whether `person` is now the head or pupil-life staff (CPE) of the school."""
    return _active(person) and staff_schools(person).filter(school=school_id).exists()


def teaches_pupil(person: Any, pupil: User) -> bool:
    """Tell whether `person` teaches or heads a class or group the pupil is enrolled in."""
    return _active(person) and taught_pupils(person).filter(pupil=pupil).exists()


def teaches_division(person: Any, division: Division) -> bool:
    """Tell whether `person` teaches the class or group (or is its professeur principal)."""
    if not _active(person):
        return False
    if isinstance(division, SchoolClass):
        return taught_classes(person).filter(pk=division.pk).exists()
    return taught_groups(person).filter(teaching_group=division.pk).exists()


def may_use(person: Any, school_id: int, rights: Rights | None = None) -> bool:
    """Tell whether `person` holds the liaison book at the USE level in the school."""
    return _active(person) and _rights(person, rights).has(
        SERVICE, school=school_id, level=Level.USE
    )


def can_write_to_book(
    person: Any, pupil: User, school: School, rights: Rights | None = None
) -> bool:
    """Tell whether `person` may write in `pupil`'s book (UTI-AVE-CLI-01): a teacher of the
    pupil, the school's head or CPE, or a legal guardian; never the pupil."""
    if not _active(person) or person.pk == pupil.pk or not may_use(person, school.pk, rights):
        return False
    return (
        is_legal_guardian(person, pupil)
        or teaches_pupil(person, pupil)
        or runs_school(person, school.pk)
    )


def writes_as_family(person: Any, pupil: User, school: School) -> bool:
    """Tell whether `person` writes in `pupil`'s book as a guardian, not as school staff."""
    return (
        is_legal_guardian(person, pupil)
        and not teaches_pupil(person, pupil)
        and not runs_school(person, school.pk)
    )


def can_write_to_division(person: Any, division: Division, rights: Rights | None = None) -> bool:
    """Tell whether `person` may write to every family of a class or group: its teachers, its
    professeur principal, the school's head or CPE."""
    if not may_use(person, division.school_id, rights):
        return False
    return teaches_division(person, division) or runs_school(person, division.school_id)


def is_recipient(note: Note, pupil: User) -> bool:
    """Tell whether the note is filed in `pupil`'s book."""
    return Recipient.objects.filter(note=note, pupil=pupil).exists()


def can_reply(person: Any, note: Note, pupil: User, rights: Rights | None = None) -> bool:
    """Tell whether `person` may answer in `pupil`'s thread of the note: its author or a
    writer of the pupil's book, while the note is of the current school year."""
    if note.is_archived or not _active(person) or not is_recipient(note, pupil):
        return False
    if note.author_id == person.pk:
        return may_use(person, note.school_id, rights)
    return can_write_to_book(person, pupil, note.school, rights)


def can_sign(person: Any, note: Note, pupil: User, rights: Rights | None = None) -> bool:
    """Tell whether `person` may sign the note for `pupil`: a legal guardian, on a note that
    asks for it, of the current school year."""
    return (
        note.requires_signature
        and not note.is_archived
        and is_legal_guardian(person, pupil)
        and is_recipient(note, pupil)
        and may_use(person, note.school_id, rights)
    )


def can_edit_note(person: Any, note: Note) -> bool:
    """Tell whether `person` may edit the note: its author, during its school year."""
    return _active(person) and note.author_id == person.pk and not note.is_archived


def can_track_note(person: Any, note: Note) -> bool:
    """Tell whether `person` may see which families signed: the author, a teacher of the
    note's class or group, the school's head or CPE. Never a family."""
    if not _active(person):
        return False
    if note.author_id == person.pk or runs_school(person, note.school_id):
        return True
    division = note.division
    return division is not None and teaches_division(person, division)


def can_remind(person: Any, note: Note, rights: Rights | None = None) -> bool:
    """Tell whether `person` may remind the families who have not signed yet."""
    return (
        note.requires_signature
        and not note.is_archived
        and can_track_note(person, note)
        and may_use(person, note.school_id, rights)
    )
