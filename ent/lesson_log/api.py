"""The cahier de textes REST endpoints: the week and the work due of the signed-in pupil or
guardian, and the entries of a log for teachers. They call the same actions as the pages."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer

from ent.directory.models import User
from ent.rights.decorators import ServiceAuth
from ent.rights.registry import Level

from . import actions, queries
from .models import SERVICE, Homework, LessonEntry, Log, Status, WorkKind

router = Router(tags=["lesson_log"], auth=ServiceAuth(SERVICE))
writer = ServiceAuth(SERVICE, level=Level.USE)


class LinkOut(Schema):
    url: str
    label: str = ""


class AttachmentOut(Schema):
    id: int
    name: str
    size: int


class HomeworkOut(Schema):
    id: int
    log_id: int
    entry_id: int | None
    subject_code: str
    kind: WorkKind
    instructions: str
    given_on: date
    due_on: date
    estimated_minutes: int | None
    attachments: list[AttachmentOut]


class EntryOut(Schema):
    id: int
    log_id: int
    division: str
    subject_code: str
    date: date
    starts_at: time | None
    ends_at: time | None
    title: str
    content: str
    links: list[LinkOut]
    status: Status
    publish_at: datetime | None
    author_id: int | None
    attachments: list[AttachmentOut]
    homework: list[HomeworkOut]


class DayOut(Schema):
    day: date
    entries: list[EntryOut]
    due: list[HomeworkOut]


class WeekOut(Schema):
    monday: date
    days: list[DayOut]


class WeekQuery(Schema):
    week: date | None = Field(None, description="Any day of the week (default: this week).")
    pupil: int | None = Field(None, description="A guardian's child (default: all of them).")


class DueQuery(Schema):
    start: date | None = Field(None, alias="from", description="First due date (today).")
    pupil: int | None = None


class WorkIn(Schema):
    instructions: str = Field(min_length=1, max_length=5000)
    due_on: date
    kind: WorkKind = WorkKind.HOMEWORK
    estimated_minutes: int | None = Field(None, ge=1, le=600)


class EntryIn(Schema):
    target: str = Field(description='The class or group: "class-<id>" or "group-<id>".')
    subject_code: str = ""
    date: date
    starts_at: time | None = None
    ends_at: time | None = None
    title: str = Field(min_length=1, max_length=200)
    content: str = Field("", max_length=20000)
    links: list[LinkOut] = []
    status: Status = Status.DRAFT
    publish_at: datetime | None = None
    work: list[WorkIn] = []


def _person(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _homework(item: Homework) -> dict[str, Any]:
    return {
        **{name: getattr(item, name) for name in ("id", "log_id", "entry_id", "subject_code")},
        **{name: getattr(item, name) for name in ("kind", "instructions", "given_on", "due_on")},
        "estimated_minutes": item.estimated_minutes,
        "attachments": list(item.attachments.all()),
    }


def _entry(entry: LessonEntry) -> dict[str, Any]:
    fields = ("id", "log_id", "subject_code", "date", "starts_at", "ends_at", "title", "content")
    return {
        **{name: getattr(entry, name) for name in fields},
        "division": str(entry.log.division),
        "links": entry.links,
        "status": entry.status,
        "publish_at": entry.publish_at,
        "author_id": entry.author_id,
        "attachments": list(entry.attachments.all()),
        "homework": [_homework(item) for item in entry.homework.all()],
    }


def _pupils(person: User, pupil_id: int | None) -> list[User]:
    if queries.is_pupil(person):
        return [person]
    children = queries.children_of(person)
    chosen = [child for child in children if pupil_id in (None, child.pk)]
    if pupil_id is not None and not chosen:
        raise Http404
    return chosen


@router.get("/week", response=WeekOut)
def get_week(request: HttpRequest, query: Query[WeekQuery]) -> dict[str, Any]:
    """The signed-in pupil's week (or their children's, for a guardian), Monday to Sunday."""
    person = _person(request)
    week = queries.pupil_week(person, _pupils(person, query.pupil), queries.monday_of(query.week))
    days = [
        {
            "day": day.day,
            "entries": [_entry(entry) for entry in day.entries],
            "due": [_homework(item) for item in day.due],
        }
        for day in week.days
    ]
    return {"monday": week.monday, "days": days}


@router.get("/homework", response=list[HomeworkOut])
def get_homework(request: HttpRequest, query: Query[DueQuery]) -> list[dict[str, Any]]:
    """The work due from a day on (four weeks), by due date, for the pupil or the children."""
    person = _person(request)
    first = query.start or timezone.localdate()
    items, _who = queries.homework_due(person, _pupils(person, query.pupil), first)
    return [_homework(item) for item in items]


@router.get("/logs/{log_id}/entries", response=list[EntryOut])
def log_entries(request: HttpRequest, log_id: int, query: Query[WeekQuery]) -> list[Any]:
    """The entries of one week of a log the caller reads (404 otherwise)."""
    person = _person(request)
    log = get_object_or_404(Log.objects.visible_to(person), pk=log_id)
    page = queries.log_week(person, log, queries.monday_of(query.week))
    return [_entry(entry) for day in page.week.days for entry in day.entries]


@router.get("/entries/{entry_id}", response=EntryOut)
def get_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    """One entry the caller reads (404 otherwise)."""
    entries = LessonEntry.objects.visible_to(_person(request)).select_related(
        "log__school_class", "log__teaching_group"
    )
    return _entry(get_object_or_404(entries, pk=entry_id))


@router.post("/entries", response={201: EntryOut}, auth=writer)
def create_entry(request: HttpRequest, payload: EntryIn) -> Answer[dict[str, Any]]:
    """Write a lesson with its work to do (403 for a class or subject one does not teach, 422
    for a due date before the lesson)."""
    person = _person(request)
    division = queries.division_for(person, payload.target)
    if division is None:
        raise Http404
    data = payload.model_dump(exclude={"target", "work"})
    work = [actions.WorkInput(**item.model_dump()) for item in payload.work]
    entry = actions.create_entry(actor=person, division=division, work=work, **data)
    return Answer(201, _entry(entry))
