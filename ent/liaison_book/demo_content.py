"""Demo notes for `ent demo setup`: in a class per degree, a school outing that families sign,
a note to one pupil with its thread, and a note written by a family. Idempotent and fast."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count

from ent.directory.models import (
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    TeachingAssignment,
    User,
)

from .actions import reply_to_note, sign_note, write_note
from .models import Kind, Note
from .queries import division_pupils

OUTING = "Sortie scolaire au musée vendredi"


def _guardian(pupil: User) -> User | None:
    link = (
        Guardianship.objects.filter(pupil=pupil, has_legal_authority=True, guardian__is_active=True)
        .select_related("guardian")
        .order_by("pk")
        .first()
    )
    return link.guardian if link else None


def _fill(school: School, log: Callable[[str], None]) -> None:
    assignment = (
        TeachingAssignment.objects.filter(school_class__school=school)
        .annotate(pupils=Count("school_class__enrolments"))
        .filter(pupils__gte=4)
        .select_related("teacher", "school_class__school")
        .order_by("school_class__code", "pk")
        .first()
    )
    if assignment is None or assignment.school_class is None:
        return
    school_class = assignment.school_class
    head = HeadTeacher.objects.filter(school_class=school_class).select_related("teacher").first()
    teacher = head.teacher if head else assignment.teacher
    outing = write_note(
        actor=teacher,
        division=school_class,
        kind=Kind.AUTHORISATION,
        title=OUTING,
        body="Les élèves visiteront le musée vendredi de 9 h à 16 h.\n"
        "Prévoir un pique-nique et une tenue adaptée. Merci de signer pour autoriser la sortie.",
        requires_signature=True,
    )
    pupils = division_pupils(school_class)
    families = [(pupil, _guardian(pupil)) for pupil in pupils]
    families = [(pupil, guardian) for pupil, guardian in families if guardian is not None]
    for pupil, guardian in families[: len(families) // 2]:
        sign_note(actor=guardian, note=outing, pupil=pupil)  # type: ignore[arg-type]  # arg-type: filtered above
    if not families:
        return
    pupil, guardian = families[0]
    writer = assignment.teacher
    forgotten = write_note(
        actor=writer,
        pupils=[pupil],
        kind=Kind.INFORMATION,
        title="Matériel oublié",
        body=f"{pupil.first_name} a oublié son matériel de sport deux fois cette semaine.",
    )
    reply_to_note(
        actor=guardian,  # type: ignore[arg-type]  # arg-type: filtered above
        note=forgotten,
        pupil=pupil,
        body="Merci de nous avoir prévenus, nous y veillerons.",
    )
    reply_to_note(actor=writer, note=forgotten, pupil=pupil, body="Merci, bonne journée.")
    if len(families) > 1:
        child, parent = families[1]
        write_note(
            actor=parent,  # type: ignore[arg-type]  # arg-type: filtered above
            pupils=[child],
            kind=Kind.ABSENCE,
            title="Absence mardi matin",
            body=f"{child.first_name} aura un rendez-vous médical mardi matin.",
        )
    log(f"  liaison book: {school.name}, {school_class}: {len(families)} families")


def populate(*, log: Callable[[str], None]) -> None:
    """Add the demo notes to one school per degree, once."""
    taught = TeachingAssignment.objects.filter(school_class__isnull=False).values(
        "school_class__school"
    )
    for degree in (2, 1):
        if Note.objects.filter(title=OUTING, school__degree=degree).exists():
            continue
        school = (
            School.objects.filter(degree=degree, pk__in=taught, is_active=True)
            .filter(pk__in=Membership.objects.filter(profile=Profile.ELV).values("school"))
            .order_by("uai")
            .first()
        )
        if school is not None:
            _fill(school, log)
