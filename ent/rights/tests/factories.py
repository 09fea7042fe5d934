"""People and structures beyond the cast, for the rights tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    Source,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.directory.testing import Cast
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

LESSON_LOG = "test_lesson_log"
LESSON_LOG_SERVICE = ServiceDeclaration(
    code=LESSON_LOG,
    label="Cahier de textes (test)",
    url_name="directory:home",
    defaults=(
        DefaultGrant(Profile.ENS, Level.USE),
        DefaultGrant(Profile.ELV, Level.USE),
        DefaultGrant(Profile.TUT, Level.READ),
        DefaultGrant(Profile.DIR, Level.MANAGE),
    ),
)


_numbers = itertools.count(1)


def new_school(**fields: Any) -> School:
    """Create a school with a fresh UAI."""
    number = next(_numbers)
    values: dict[str, Any] = {
        "uai": f"{number + 100:07d}Z",
        "name": f"École {number}",
        "degree": 1,
        "kind": "ECOLE_PRIMAIRE",
    }
    return School.objects.create(**(values | fields))


def new_class(*, school: School, **fields: Any) -> SchoolClass:
    """Create a class in `school`."""
    return SchoolClass.objects.create(school=school, **({"code": f"C{next(_numbers)}"} | fields))


def new_group(*, school: School) -> TeachingGroup:
    """Create a teaching group in `school`."""
    return TeachingGroup.objects.create(school=school, code=f"G{next(_numbers)}")


def new_person(**fields: Any) -> User:
    """Create a person with a fresh login."""
    number = next(_numbers)
    values: dict[str, Any] = {"first_name": "Prénom", "last_name": f"Nom{number}"}
    values |= fields
    login = values.pop("login", f"person.{number}")
    return User.objects.create_user(login, "secret-Passw0rd!", **values)


def person_in(school: School, profile: str, **fields: Any) -> User:
    """Create a person holding `profile` in `school`."""
    person = new_person(**fields)
    Membership.objects.create(person=person, school=school, profile=profile, source=Source.MANUAL)
    return person


def pupil_in(school_class: SchoolClass, **fields: Any) -> User:
    """Create a pupil enrolled in `school_class`."""
    pupil = person_in(school_class.school, Profile.ELV, **fields)
    Enrolment.objects.create(pupil=pupil, school_class=school_class)
    return pupil


def guardian_of(pupil: User, guardian: User, *, legal: bool = True) -> Guardianship:
    return Guardianship.objects.create(
        pupil=pupil,
        guardian=guardian,
        guardian_key=f"key-{guardian.pk}-{pupil.pk}",
        relationship="20",
        has_legal_authority=legal,
    )


@dataclass(frozen=True)
class World:
    """The cast, plus spec-context §7: Mme Dupont teaches 3eA in X and is Martin's mother in Y."""

    cast: Cast
    class_3a: SchoolClass
    class_4b: SchoolClass
    class_6b: SchoolClass
    tom: User
    class_5c: SchoolClass
    martin: User
    cpe: User


def build_world(cast: Cast) -> World:
    """Give the cast classes, teaching links, a head teacher, and Martin in school Y."""
    class_4b = new_class(school=cast.school, code="4B", label="4eB")
    class_5c = new_class(school=cast.school, code="5C", label="5eC")
    class_6b = new_class(school=cast.other_school, code="6B", label="6eB")
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    for school_class in (cast.school_class, class_4b):
        TeachingAssignment.objects.create(
            teacher=cast.teacher, school_class=school_class, subject_code="HG"
        )
    HeadTeacher.objects.create(teacher=cast.teacher, school_class=cast.school_class)
    tom = pupil_in(class_5c, login="tom.martin", first_name="Tom")
    martin = pupil_in(class_6b, login="martin.dupont", first_name="Martin")
    guardian_of(martin, cast.teacher)
    cpe = person_in(cast.school, Profile.EVS, login="jean.roux", last_name="Roux")
    return World(cast, cast.school_class, class_4b, class_6b, tom, class_5c, martin, cpe)
