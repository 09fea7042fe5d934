"""Who may do what in the pupil follow-up. Pure predicates, no writes.

Each predicate takes the actor's `Rights` when the caller already has them (a view has
`rights_of(request)`) and computes them otherwise. Writes need the service at USE in the
object's school, and a school that keeps an external vie scolaire tool has none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .apps import SERVICE
from .models import Absence, AbsenceStatus, Assessment, SchoolSetting

Division = SchoolClass | TeachingGroup


def _rights(actor: Any, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(actor)


def _active(actor: Any) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def is_native(school_id: int) -> bool:
    """Tell whether the school uses the native service rather than an external tool."""
    return not SchoolSetting.objects.filter(school_id=school_id, uses_external_tool=True).exists()


def _uses(actor: Any, school_id: int, rights: Rights | None, level: int = Level.USE) -> bool:
    return (
        _active(actor)
        and _rights(actor, rights).has(SERVICE, school=school_id, level=level)
        and is_native(school_id)
    )


def _holds(actor: Any, school_id: int, *profiles: str) -> bool:
    return (
        Membership.objects.current()
        .filter(person=actor, school_id=school_id, profile__in=profiles)
        .exists()
    )


def _division_filter(division: Division) -> dict[str, Division]:
    key = "school_class" if isinstance(division, SchoolClass) else "teaching_group"
    return {key: division}


def teaches(actor: Any, division: Division, subject_code: str | None = None) -> bool:
    """Tell whether `actor` teaches `division` (in `subject_code` when given)."""
    rows = TeachingAssignment.objects.filter(teacher=actor, **_division_filter(division))
    if subject_code is not None:
        rows = rows.filter(subject_code=subject_code)
    return rows.exists()


def can_assess(
    actor: Any, division: Division, subject_code: str, *, rights: Rights | None = None
) -> bool:
    """Tell whether `actor` may set assessments and rate competencies of `division` in a
    subject: they teach it there, with the service at USE."""
    return _uses(actor, division.school_id, rights) and teaches(actor, division, subject_code)


def can_grade(actor: Any, assessment: Assessment, *, rights: Rights | None = None) -> bool:
    """Tell whether `actor` may enter or publish the grades of `assessment`."""
    if not _uses(actor, assessment.school_id, rights):
        return False
    return assessment.teacher_id == actor.pk or teaches(
        actor, assessment.division, assessment.subject_code
    )


def is_pupil_of(pupil: User, school_id: int) -> bool:
    """Tell whether `pupil` is now a pupil of the school."""
    return _holds(pupil, school_id, Profile.ELV)


def can_take_register(actor: Any, division: Division, *, rights: Rights | None = None) -> bool:
    """Tell whether `actor` may call the register of a class or group: a teacher of it, or the
    school's CPE or head."""
    school_id = division.school_id
    if not _uses(actor, school_id, rights):
        return False
    return teaches(actor, division) or _holds(actor, school_id, Profile.EVS, Profile.DIR)


def can_record_absence(
    actor: Any, pupil: User, school: School, *, rights: Rights | None = None
) -> bool:
    """Tell whether `actor` may record an absence or a lateness of `pupil` in `school`."""
    if not _uses(actor, school.pk, rights) or not is_pupil_of(pupil, school.pk):
        return False
    if _holds(actor, school.pk, Profile.EVS, Profile.DIR):
        return True
    teaching = TeachingAssignment.objects.filter(teacher=actor)
    return Enrolment.objects.filter(
        Q(school_class__in=teaching.values("school_class_id"))
        | Q(teaching_group__in=teaching.values("teaching_group_id")),
        pupil=pupil,
    ).exists()


def can_classify_absence(actor: Any, school_id: int, *, rights: Rights | None = None) -> bool:
    """Tell whether `actor` judges absences in the school: its CPE or head (footnote 101)."""
    return _uses(actor, school_id, rights) and _holds(actor, school_id, Profile.EVS, Profile.DIR)


def can_change_absence(actor: Any, absence: Absence, *, rights: Rights | None = None) -> bool:
    """Tell whether `actor` may correct an absence: whoever recorded it, the CPE or the head."""
    if not _uses(actor, absence.school_id, rights):
        return False
    return absence.recorded_by_id == actor.pk or _holds(
        actor, absence.school_id, Profile.EVS, Profile.DIR
    )


def is_legal_guardian(actor: Any, pupil_id: int) -> bool:
    """Tell whether `actor` has legal authority over the pupil."""
    return Guardianship.objects.filter(
        guardian=actor, pupil_id=pupil_id, has_legal_authority=True
    ).exists()


def can_justify_absence(actor: Any, absence: Absence, *, rights: Rights | None = None) -> bool:
    """Tell whether `actor` may justify the absence: a guardian with legal authority, until the
    school has classified it."""
    return (
        absence.status != AbsenceStatus.CLASSIFIED
        and _uses(actor, absence.school_id, rights)
        and is_legal_guardian(actor, absence.pupil_id)
    )


def is_head_teacher_of(actor: Any, pupil_id: int, school_id: int) -> bool:
    """Tell whether `actor` is the professeur principal of the pupil's class in the school."""
    classes = Enrolment.objects.filter(pupil_id=pupil_id, school_class__school_id=school_id).values(
        "school_class_id"
    )
    return HeadTeacher.objects.filter(teacher=actor, school_class__in=classes).exists()


def can_comment_report(
    actor: Any, pupil_id: int, school_id: int, *, rights: Rights | None = None
) -> bool:
    """Tell whether `actor` may write the class teacher's comment of a pupil's report: the
    professeur principal of the pupil's class, or the head."""
    if not _uses(actor, school_id, rights):
        return False
    return is_head_teacher_of(actor, pupil_id, school_id) or _holds(actor, school_id, Profile.DIR)


def can_manage_settings(actor: Any, school_id: int) -> bool:
    """Tell whether `actor` chooses the school's vie scolaire tool and periods: its head."""
    return _active(actor) and _holds(actor, school_id, Profile.DIR)
