"""The people of spec-context §7 for the accessibility gate and the cross-cutting scenarios.

The fixtures are prefixed `gate_` so that they never shadow the portal's other test fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ent.directory.models import (
    Enrolment,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.directory.testing import Cast
from ent.portal.models import SchoolPage
from ent.rights import registry
from ent.rights.actions import install_default_grants
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration
from ent.rights.tests.factories import (
    World,
    build_world,
    guardian_of,
    new_class,
    new_person,
    new_school,
    person_in,
    pupil_in,
)

PASSWORD = "secret-Passw0rd!"

# A service declared like the cahier de textes: teachers write, guardians read.
GATE_LESSON_LOG = ServiceDeclaration(
    code="gate_lesson_log",
    label="Cahier de textes (scénarios)",
    url_name="directory:home",
    defaults=(
        DefaultGrant(Profile.ENS, Level.USE),
        DefaultGrant(Profile.ELV, Level.READ),
        DefaultGrant(Profile.TUT, Level.READ),
    ),
)
# Only guests of a partner space hold it.
GATE_PARTNER_SPACE = ServiceDeclaration(
    code="gate_partner_space",
    label="Espace partenaire (scénarios)",
    url_name="directory:home",
    defaults=(DefaultGrant(Profile.GST, Level.USE),),
)
# Only teachers hold it.
GATE_TEACHER_TOOL = ServiceDeclaration(
    code="gate_teacher_tool",
    label="Outil enseignant (scénarios)",
    url_name="directory:home",
    defaults=(DefaultGrant(Profile.ENS, Level.USE),),
)
# Granted per class, never by default: the whole-class views of scenario 5.
GATE_CLASS_VIEW = ServiceDeclaration(
    code="gate_class_view",
    label="Vue classe entière (scénarios)",
    url_name="directory:home",
)
GATE_SERVICES = (GATE_LESSON_LOG, GATE_PARTNER_SPACE, GATE_TEACHER_TOOL, GATE_CLASS_VIEW)


@dataclass(frozen=True)
class GateWorld:
    """spec-context §7: schools X, Y and Z, their classes and people, with the default grants."""

    world: World
    school_z: School
    class_cm2: SchoolClass
    jade: User
    martin_diaz: User
    # Another pupil of 6eB (school Y), whom Mme Dupont must not find.
    y_pupil: User
    # Martin's teacher in 6eB, whom Mme Dupont, as his guardian, may find.
    y_teacher: User
    # A teacher of 4eB only, in school X.
    x_teacher_4b: User
    page_x: SchoolPage
    page_y: SchoolPage

    @property
    def cast(self) -> Cast:
        return self.world.cast


@pytest.fixture
def gate_services():
    """Declare the scenarios' test services, as their apps would."""
    for declaration in GATE_SERVICES:
        registry.register(declaration)
    yield {declaration.code: declaration for declaration in GATE_SERVICES}
    for declaration in GATE_SERVICES:
        registry.unregister(declaration.code)


def build_gate_world(cast: Cast) -> GateWorld:
    """Add school Z (an école) to the rights world, a public page for X, and the grants."""
    world = build_world(cast)
    school_z = new_school(name="École Z", degree=1, kind="ECOLE_PRIMAIRE")
    class_cm2 = new_class(school=school_z, code="CM2", label="CM2")
    jade = pupil_in(class_cm2, login="jade.martin-diaz", first_name="Jade", last_name="Martin-Diaz")
    martin_diaz = new_person(login="paul.martin-diaz", first_name="Paul", last_name="Martin-Diaz")
    guardian_of(jade, martin_diaz)
    guardian_of(world.tom, martin_diaz)
    y_pupil = pupil_in(world.class_6b, login="zoe.sixieme", first_name="Zoé", last_name="Sixième")
    y_teacher = person_in(
        cast.other_school, Profile.ENS, login="remi.profy", first_name="Rémi", last_name="Profy"
    )
    TeachingAssignment.objects.create(
        teacher=y_teacher, school_class=world.class_6b, subject_code="MATHS"
    )
    x_teacher_4b = person_in(
        cast.school, Profile.ENS, login="ines.quatre", first_name="Inès", last_name="Quatre"
    )
    TeachingAssignment.objects.create(
        teacher=x_teacher_4b, school_class=world.class_4b, subject_code="FR"
    )
    for number in range(3):
        pupil_in(cast.school_class, login=f"eleve.3a.{number}", first_name=f"Élève{number}")
    page_x = SchoolPage.objects.create(
        school=cast.school,
        title="Bienvenue au collège X",
        body="Le collège X accueille les élèves de la 6e à la 3e.",
        is_published=True,
    )
    page_y = SchoolPage.objects.create(
        school=cast.other_school,
        title="Collège Y (brouillon)",
        body="Brouillon.",
        is_published=False,
    )
    install_default_grants(actor=None)
    return GateWorld(
        world=world,
        school_z=school_z,
        class_cm2=class_cm2,
        jade=jade,
        martin_diaz=martin_diaz,
        y_pupil=y_pupil,
        y_teacher=y_teacher,
        x_teacher_4b=x_teacher_4b,
        page_x=page_x,
        page_y=page_y,
    )


@pytest.fixture
def gate_world(cast, gate_services) -> GateWorld:
    return build_gate_world(cast)


@dataclass(frozen=True)
class MultiSchoolTeacher:
    """Scenario 16: a professeur des écoles in école Z and école W, with a CP + CE1 group."""

    teacher: User
    school_w: School
    class_cp: SchoolClass
    class_ce1: SchoolClass
    class_cm1_w: SchoolClass
    group: TeachingGroup


@pytest.fixture
def gate_multi_school_teacher(gate_world) -> MultiSchoolTeacher:
    school_z = gate_world.school_z
    school_w = new_school(name="École W", degree=1, kind="ECOLE_ELEMENTAIRE")
    teacher = person_in(
        school_z, Profile.ENS, login="claire.ecoles", first_name="Claire", last_name="Écoles"
    )
    Membership.objects.create(person=teacher, school=school_w, profile=Profile.ENS, source="MANUAL")
    class_cp = new_class(school=school_z, code="CP", label="CP")
    class_ce1 = new_class(school=school_z, code="CE1", label="CE1")
    class_cm1_w = new_class(school=school_w, code="CM1W", label="CM1 École W")
    group = TeachingGroup.objects.create(school=school_z, code="CPCE1", label="CP-CE1 lecture")
    for school_class in (class_cp, class_ce1):
        for number in range(2):
            pupil = pupil_in(school_class, login=f"{school_class.code.lower()}.{number}")
            Enrolment.objects.create(pupil=pupil, teaching_group=group)
    TeachingAssignment.objects.create(teacher=teacher, teaching_group=group, subject_code="FR")
    TeachingAssignment.objects.create(
        teacher=teacher, school_class=class_cm1_w, subject_code="POLY"
    )
    return MultiSchoolTeacher(teacher, school_w, class_cp, class_ce1, class_cm1_w, group)
