"""The demo timetable: this week and next, from the teaching assignments, idempotent."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from ent.directory.models import TeachingAssignment
from ent.rights.tests.factories import new_class, new_group, person_in
from ent.timetable import demo_content
from ent.timetable.models import Lesson, LessonStatus


def test_populate_fills_two_weeks_without_double_booking_and_runs_again_for_nothing(tt):
    school = tt.cast.school
    extra = person_in(school, "ENS")
    classes = [tt.cast.school_class, tt.world.class_4b, new_class(school=school, code="6C")]
    group = new_group(school=school)
    for school_class in classes:
        TeachingAssignment.objects.create(
            teacher=extra, school_class=school_class, subject_code="061300"
        )
    TeachingAssignment.objects.create(teacher=extra, teaching_group=group, subject_code="030602")
    logged: list[str] = []
    demo_content.populate(log=logged.append)
    lessons = Lesson.objects.filter(school=school)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    days = {timezone.localtime(item.starts_at).date() for item in lessons}
    assert min(days) >= monday
    assert max(days) < monday + timedelta(days=14)
    assert lessons.filter(school_class=classes[2]).count() > 0
    assert lessons.filter(teaching_group=group).count() == 4  # two a week
    busy = Counter(
        (teacher.pk, item.starts_at) for item in lessons for teacher in item.teachers.all()
    )
    assert max(busy.values()) == 1  # nobody teaches two classes at once
    assert lessons.filter(status=LessonStatus.CANCELLED).count() == 1
    count = lessons.count()
    demo_content.populate(log=logged.append)
    assert lessons.count() == count
    assert logged[-1].endswith(" 0 lessons added")
