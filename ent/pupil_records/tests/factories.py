"""People, assignments and records for the pupil follow-up tests, on top of the cast and the
rights tests' world (spec-context §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ent.directory.models import Profile, Subject, TeachingAssignment, User
from ent.directory.testing import Cast
from ent.pupil_records.actions import (
    GradeEntry,
    create_assessment,
    enter_grades,
    install_reference_competencies,
    install_school_grants,
    publish_assessment,
)
from ent.pupil_records.models import Assessment
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import World, build_world, guardian_of, person_in, pupil_in

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Records:
    """The world, plus the 3eA and 4eB history-geography assignments of Mme Dupont, a second
    pupil in 3eA, a maths teacher of 3eA, Tom's guardian and an inspector."""

    world: World
    cast: Cast
    hg_3a: TeachingAssignment
    hg_4b: TeachingAssignment
    maths_3a: TeachingAssignment
    maths_teacher: User
    hugo: User
    tom_guardian: User
    inspector: User

    @property
    def lea(self) -> User:
        return self.cast.pupil

    @property
    def dupont(self) -> User:
        return self.cast.teacher

    @property
    def roux(self) -> User:
        return self.world.cpe


def build_records(cast: Cast) -> Records:
    """Build the world and install the default grants and the service's school grants."""
    install_default_grants(actor=None)
    world = build_world(cast)
    install_school_grants(actor=None)
    install_reference_competencies()
    history = Subject.objects.create(code="HG", label="Histoire-géographie")
    maths = Subject.objects.create(code="MATHS", label="Mathématiques")
    TeachingAssignment.objects.filter(teacher=cast.teacher).update(subject=history)
    hg_3a = TeachingAssignment.objects.get(teacher=cast.teacher, school_class=cast.school_class)
    hg_4b = TeachingAssignment.objects.get(teacher=cast.teacher, school_class=world.class_4b)
    maths_teacher = person_in(cast.school, Profile.ENS, login="anne.martin", last_name="Martin")
    maths_3a = TeachingAssignment.objects.create(
        teacher=maths_teacher, school_class=cast.school_class, subject=maths, subject_code="MATHS"
    )
    hugo = pupil_in(cast.school_class, login="hugo.bernard", first_name="Hugo")
    tom_guardian = person_in(cast.school, Profile.TUT, login="luc.martin-diaz")
    guardian_of(world.tom, tom_guardian)
    inspector = person_in(cast.school, Profile.ACA, login="paul.henry", last_name="Henry")
    return Records(
        world, cast, hg_3a, hg_4b, maths_3a, maths_teacher, hugo, tom_guardian, inspector
    )


def graded_assessment(
    records: Records,
    *,
    assignment: TeachingAssignment | None = None,
    grades: dict[User, Decimal | None] | None = None,
    held_on: date = date(2026, 11, 10),
    max_score: Decimal = Decimal(20),
    coefficient: Decimal = Decimal(1),
    title: str = "Contrôle",
    publish: bool = True,
) -> Assessment:
    """Set an assessment, grade it and (by default) publish it."""
    assignment = assignment or records.hg_3a
    teacher = assignment.teacher
    assessment = create_assessment(
        actor=teacher,
        assignment=assignment,
        title=title,
        held_on=held_on,
        max_score=max_score,
        coefficient=coefficient,
    )
    if grades:
        enter_grades(
            actor=teacher,
            assessment=assessment,
            entries=[GradeEntry(pupil.pk, value) for pupil, value in grades.items()],
        )
    if publish:
        publish_assessment(actor=teacher, assessment=assessment)
    return assessment


def aware(text: str) -> datetime:
    """Return an aware datetime in Paris from "2026-11-16 08:00"."""
    day, hour = text.split(" ")
    return datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=PARIS)
