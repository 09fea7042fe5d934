"""The timetable's REST endpoints: a week of one's timetable, or of a child's."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from ent.rights.decorators import ServiceAuth
from ent.rights.queries import rights_of

from . import queries
from .models import Lesson
from .queries import SERVICE, WEEK

router = Router(tags=["timetable"], auth=ServiceAuth(SERVICE))


class WeekQuery(Schema):
    date: dt.date | None = None
    child: UUID | None = None


class MovedOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


class LessonOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    subject_code: str
    subject: str
    class_code: str
    group_code: str
    teachers: list[str]
    room: str
    status: str
    note: str
    moved_to: MovedOut | None
    school_uai: str


class WeekOut(Schema):
    starts_on: dt.date
    ends_on: dt.date
    timetable: str
    lessons: list[LessonOut]


@router.get("/week", response=WeekOut)
def week(request: HttpRequest, params: Query[WeekQuery]) -> WeekOut:
    """A week of the caller's timetable, several schools merged, or of one of their children."""
    viewer = request.auth  # type: ignore[attr-defined]  # attr-defined: ServiceAuth sets auth
    options = queries.timetable_targets(viewer, rights_of(request))
    key = f"child-{params.child}" if params.child else "me"
    target = queries.find_target(options, key)
    if target is None:
        raise Http404
    day = params.date or timezone.localdate()
    page = queries.timetable_page(viewer, target, day=day, view=WEEK)
    lessons = [slot.lesson for week in page.weeks for day in week.days for slot in day.slots]
    return WeekOut(
        starts_on=page.starts_on,
        ends_on=page.ends_on,
        timetable=target.label,
        lessons=[_lesson(lesson) for lesson in lessons],
    )


def _lesson(lesson: Lesson) -> LessonOut:
    moved = lesson.moved_to
    return LessonOut(
        id=lesson.pk,
        starts_at=lesson.starts_at,
        ends_at=lesson.ends_at,
        subject_code=lesson.subject_code,
        subject=lesson.subject_label,
        class_code=lesson.school_class.code if lesson.school_class else "",
        group_code=lesson.teaching_group.code if lesson.teaching_group else "",
        teachers=[teacher.display_name for teacher in lesson.teachers.all()],
        room=lesson.room,
        status=lesson.status,
        note=lesson.note,
        moved_to=MovedOut(id=moved.pk, starts_at=moved.starts_at, ends_at=moved.ends_at)
        if moved
        else None,
        school_uai=lesson.school.uai,
    )
