"""Who may import and who may change a lesson."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ent.rights.tests.factories import person_in
from ent.timetable.permissions import can_change_lesson, can_import_timetable, is_archived

from .factories import make_lesson


def test_heads_and_school_admins_import_teachers_and_outsiders_do_not(tt):
    school = tt.cast.school
    assert can_import_timetable(tt.cast.head, school)
    assert can_import_timetable(tt.cast.school_admin, school)
    assert not can_import_timetable(tt.cast.teacher, school)
    assert not can_import_timetable(tt.cast.outsider, school)
    assert not can_import_timetable(tt.cast.head, tt.cast.other_school)


def test_the_lessons_teachers_and_managers_change_it_nobody_else(tt):
    colleague = person_in(tt.cast.school, "ENS")
    lesson = make_lesson(division=tt.cast.school_class, teachers=(colleague,))
    assert can_change_lesson(colleague, lesson)
    assert can_change_lesson(tt.cast.head, lesson)
    for person in (
        tt.cast.teacher,
        tt.cast.pupil,
        tt.cast.guardian,
        tt.cast.outsider,
        tt.world.cpe,
    ):
        assert not can_change_lesson(person, lesson)


def test_a_past_school_years_lesson_is_archived(tt):
    old = make_lesson(
        division=tt.cast.school_class,
        starts_at=datetime(2024, 10, 1, 9, tzinfo=ZoneInfo("Europe/Paris")),
    )
    assert is_archived(old)
    assert not can_change_lesson(tt.cast.head, old)
    assert not is_archived(make_lesson(division=tt.cast.school_class))
