"""Who may write what in the cahier de textes. Pure predicates: no writes.

Reading is decided by the `visible_to` methods of the models; these predicates decide the
writes, each one checked inside the action that does it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ent.core.calendar import school_year_of
from ent.directory.models import (
    Enrolment,
    Membership,
    Profile,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
)
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import SERVICE, AccessKind, DayPlan, LessonEntry, Log, LogAccess, PupilWork

Division = SchoolClass | TeachingGroup
# Profiles whose window on a log lets them sign it, besides the head of school.
INSPECTOR_PROFILES = frozenset({Profile.ACA})
TEACHER_PROFILES = frozenset({Profile.ENS, Profile.DOC})


def _active(person: Any) -> bool:
    return bool(person.is_authenticated and person.is_active)


def _rights(person: Any, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(person)


def division_q(division: Division, prefix: str = "") -> Q:
    """Match rows of `division` (a class or a group) through their school_class/teaching_group."""
    if isinstance(division, SchoolClass):
        return Q(**{f"{prefix}school_class": division})
    return Q(**{f"{prefix}teaching_group": division})


def current_year() -> int:
    """Return the first calendar year of today's school year."""
    return school_year_of(timezone.localdate()).start_year


def is_archived(log: Log) -> bool:
    """Tell whether the log belongs to a past school year (CDT-10: read-only)."""
    return log.year < current_year()


def is_signed(entry_date: date, log: Log) -> bool:
    """Tell whether a visa covers a lesson of `entry_date` in `log` (CDT-11)."""
    return bool(log.visa_until and entry_date <= log.visa_until)


def taught_codes(person: Any, division: Division) -> set[str]:
    """Return the subject codes `person` teaches to the division ("" for a teacher of the
    whole class, as in the 1st degree, when they have no subject there)."""
    codes = set(
        TeachingAssignment.objects.filter(division_q(division), teacher=person).values_list(
            "subject_code", flat=True
        )
    )
    if len(codes) > 1:
        codes.discard("")
    return codes


def writable_codes(person: Any, division: Division, year: int) -> set[str]:
    """Return the subject codes `person` may write in the division's log of `year`: those
    they teach, and those a substitution in force lends them (CDT-14)."""
    if not _active(person):
        return set()
    lent = (
        LogAccess.objects.in_force()
        .filter(division_q(division, "log__"), kind=AccessKind.SUBSTITUTE, grantee=person)
        .filter(log__year=year)
        .values_list("subject_code", flat=True)
    )
    return taught_codes(person, division) | set(lent)


def can_write(
    person: Any, division: Division, *, subject_code: str, year: int, rights: Rights | None = None
) -> bool:
    """Tell whether `person` may write entries of `subject_code` in the division's log of
    `year`: a teacher of that subject there or their substitute, using the service there,
    in the current school year or a later one."""
    if not _active(person) or year < current_year():
        return False
    if subject_code not in writable_codes(person, division, year):
        return False
    return _rights(person, rights).has(SERVICE, school=division.school_id, level=Level.USE)


def can_edit_entry(person: Any, entry: LessonEntry, *, rights: Rights | None = None) -> bool:
    """Tell whether `person` may change or delete the entry: a writer of its subject in its
    log, the log not archived and the entry not signed."""
    if is_archived(entry.log) or is_signed(entry.date, entry.log):
        return False
    return can_write(
        person,
        entry.log.division,
        subject_code=entry.subject_code,
        year=entry.log.year,
        rights=rights,
    )


def can_manage_logs(person: Any, school: Any, *, rights: Rights | None = None) -> bool:
    """Tell whether `person` oversees every log of `school`: the service at MANAGE there (the
    head of school)."""
    school_id = getattr(school, "pk", school)
    return _active(person) and _rights(person, rights).has(
        SERVICE, school=school_id, level=Level.MANAGE
    )


def can_open_access(person: Any, log: Log) -> bool:
    """Tell whether `person` may open their log to a reader or a substitute: they teach it
    and it is not archived."""
    return _active(person) and not is_archived(log) and bool(taught_codes(person, log.division))


def can_sign(person: Any, log: Log, *, rights: Rights | None = None) -> bool:
    """Tell whether `person` may sign the log (CDT-11): the head of its school (the service at
    MANAGE there), or an inspector whose window on it is in force."""
    if not _active(person):
        return False
    if can_manage_logs(person, log.school_id, rights=rights):
        return True
    window = LogAccess.objects.in_force().filter(kind=AccessKind.WINDOW, grantee=person, log=log)
    is_inspector = (
        Membership.objects.current().filter(person=person, profile__in=INSPECTOR_PROFILES).exists()
    )
    return is_inspector and window.exists()


def can_write_journal(person: Any, owner: Any, school_class: SchoolClass | None = None) -> bool:
    """Tell whether `person` may write `owner`'s cahier journal (for the class, when given):
    the owner, or their substitute in force (CDT-14), the owner teaching the class."""
    if not _active(person):
        return False
    if school_class is not None and not taught_codes(owner, school_class):
        return False
    if person.pk == owner.pk:
        return True
    return (
        LogAccess.objects.in_force()
        .filter(kind=AccessKind.SUBSTITUTE, owner=owner, grantee=person, log=None)
        .exists()
    )


def can_edit_day_plan(person: Any, plan: DayPlan) -> bool:
    """Tell whether `person` may change a day of a cahier journal."""
    return can_write_journal(person, plan.owner, plan.school_class)


def can_record_work(person: Any, *, rights: Rights | None = None) -> bool:
    """Tell whether `person` keeps a pupil's cahier: a pupil enrolled somewhere, using the
    service."""
    if not _active(person):
        return False
    if not Enrolment.objects.filter(pupil=person).exists():
        return False
    return _rights(person, rights).has(SERVICE, level=Level.USE)


def can_edit_work(person: Any, work: PupilWork) -> bool:
    """Tell whether `person` may change a record of work done: the pupil who wrote it."""
    return _active(person) and work.pupil_id == person.pk


def can_keep_personal_cahier(person: Any, *, rights: Rights | None = None) -> bool:
    """Tell whether `person` has a personal cahier (CDT-03): a teacher using the service."""
    if not _active(person):
        return False
    held = _rights(person, rights)
    teacher = any(role.profile in TEACHER_PROFILES for role in held.roles)
    return teacher and held.has(SERVICE, level=Level.USE)
