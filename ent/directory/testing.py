"""The cast: the people every permission test uses (STYLE §10)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Guardianship, Membership, Profile, School, SchoolClass, Source, User


@dataclass(frozen=True)
class Cast:
    school: School
    other_school: School
    school_class: SchoolClass
    teacher: User
    pupil: User
    guardian: User
    head: User
    school_admin: User
    outsider: User


def _person(login: str, first: str, last: str, school: School, profile: str) -> User:
    person = User.objects.create_user(login, "secret-Passw0rd!", first_name=first, last_name=last)
    Membership.objects.create(person=person, school=school, profile=profile, source=Source.MANUAL)
    return person


def build_cast() -> Cast:
    """Create two collèges, X and Y, and the people of the permission tests."""
    school = School.objects.create(uai="0000001B", name="Collège X", degree=2, kind="COLLEGE")
    other = School.objects.create(uai="0000002C", name="Collège Y", degree=2, kind="COLLEGE")
    school_class = SchoolClass.objects.create(school=school, code="3A", label="3eA")
    teacher = _person("agnes.dupont", "Agnès", "Dupont", school, Profile.ENS)
    pupil = _person("lea.petit", "Léa", "Petit", school, Profile.ELV)
    guardian = _person("paul.petit", "Paul", "Petit", school, Profile.TUT)
    Guardianship.objects.create(
        pupil=pupil,
        guardian=guardian,
        guardian_key="manual-paul",
        relationship="20",
        has_legal_authority=True,
    )
    head = _person("marc.bernard", "Marc", "Bernard", school, Profile.DIR)
    school_admin = _person("sophie.admin", "Sophie", "Lambert", school, Profile.ETA)
    outsider = _person("yves.autre", "Yves", "Autre", other, Profile.ENS)
    return Cast(school, other, school_class, teacher, pupil, guardian, head, school_admin, outsider)
