"""People and lessons beyond the cast, for the cahier de textes tests (spec-context §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from ent.directory.models import Enrolment, Profile, School, SchoolClass, TeachingAssignment, User
from ent.lesson_log.actions import WorkInput, create_entry
from ent.lesson_log.models import LessonEntry, Status
from ent.rights.tests.factories import (
    World,
    build_world,
    guardian_of,
    new_class,
    new_group,
    new_school,
    person_in,
    pupil_in,
)

__all__ = ["World", "build_world", "new_group", "pupil_in"]


@dataclass(frozen=True)
class Family:
    """Spec-context §7: école Z with Jade in CM2, M. Martin-Diaz guardian of Jade and Tom."""

    school_z: School
    cm2: SchoolClass
    jade: User
    martin_diaz: User
    teacher_z: User


def build_family(world: World) -> Family:
    """Add école Z, its CM2 teacher and Jade; make M. Martin-Diaz Jade's and Tom's guardian."""
    school_z = new_school(uai="0000003C", name="École Z", degree=1, kind="ECOLE_PRIMAIRE")
    cm2 = new_class(school=school_z, code="CM2", label="CM2")
    jade = pupil_in(cm2, login="jade.martin-diaz", first_name="Jade", last_name="Martin-Diaz")
    teacher_z = person_in(school_z, Profile.ENS, login="louis.leroy", last_name="Leroy")
    TeachingAssignment.objects.create(teacher=teacher_z, school_class=cm2, subject_code="")
    martin_diaz = person_in(
        school_z, Profile.TUT, login="marc.martin-diaz", first_name="Marc", last_name="Martin-Diaz"
    )
    guardian_of(jade, martin_diaz)
    guardian_of(world.tom, martin_diaz)
    return Family(school_z, cm2, jade, martin_diaz, teacher_z)


def academic_service() -> School:
    """The rectorat's inspection service, where inspectors hold their role."""
    found = School.objects.filter(uai="0000009R").first()
    return found or new_school(uai="0000009R", name="Rectorat", degree=None, kind="SERVICE")


def inspector(**fields: Any) -> User:
    """M. Henry, IA-IPR: academic staff, with no grant of the cahier de textes of his own."""
    values = {"login": "paul.henry", "first_name": "Paul", "last_name": "Henry"} | fields
    return person_in(academic_service(), Profile.ACA, **values)


def teacher_in(school_class: SchoolClass, subject_code: str = "MATHS", **fields: Any) -> User:
    """Create a teacher of `subject_code` in the class."""
    teacher = person_in(school_class.school, Profile.ENS, **fields)
    TeachingAssignment.objects.create(
        teacher=teacher, school_class=school_class, subject_code=subject_code
    )
    return teacher


def enrol(pupil: User, school_class: SchoolClass) -> Enrolment:
    return Enrolment.objects.create(pupil=pupil, school_class=school_class)


def lesson(
    author: User,
    division: Any,
    *,
    on: date,
    title: str = "Les Lumières",
    status: str = Status.PUBLISHED,
    work: tuple[WorkInput, ...] = (),
    **fields: Any,
) -> LessonEntry:
    """Write a lesson through the action, as a teacher would."""
    return create_entry(
        actor=author,
        division=division,
        date=on,
        title=title,
        status=status,
        starts_at=fields.pop("starts_at", time(10, 0)),
        work=work,
        **fields,
    )
