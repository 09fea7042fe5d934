"""Who may import a timetable, and who may cancel or move a lesson."""

from __future__ import annotations

from django.utils import timezone

from ent.core.calendar import school_year_of
from ent.directory.models import School, User
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import Lesson

SERVICE = "timetable"


def can_import_timetable(user: User, school: School, *, rights: Rights | None = None) -> bool:
    """Tell whether `user` manages the timetable of `school` (DIR and ETA by default)."""
    held = rights or effective_rights(user)
    return held.has(SERVICE, school=school, level=Level.MANAGE)


def teaches_lesson(user: User, lesson: Lesson) -> bool:
    """Tell whether `user` is one of the lesson's teachers (uses prefetched teachers)."""
    return any(teacher.pk == user.pk for teacher in lesson.teachers.all())


def is_archived(lesson: Lesson) -> bool:
    """Tell whether the lesson belongs to a past school year: archived, read-only (EDT-06)."""
    return (
        timezone.localtime(lesson.starts_at).date() < school_year_of(timezone.localdate()).starts_on
    )


def can_change_lesson(user: User, lesson: Lesson, *, rights: Rights | None = None) -> bool:
    """Tell whether `user` may cancel, move or restore `lesson`: one of its teachers, or who
    manages the school's timetable; never a lesson of a past school year."""
    if is_archived(lesson):
        return False
    return teaches_lesson(user, lesson) or can_import_timetable(user, lesson.school, rights=rights)
