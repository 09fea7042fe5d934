"""Every change of the timetable: imports, cancelled and moved lessons, calendar subscriptions,
subject colours."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import School, User
from ent.notifications.actions import notify
from ent.notifications.events import Event

from . import importers
from .importers import ICAL, TimetableFileError
from .importers.index_education import load_private_key
from .importers.resolve import Plan, Planned, Target, resolve
from .models import (
    Colour,
    FeedToken,
    Import,
    ImportStatus,
    Lesson,
    LessonStatus,
    Source,
    SubjectColour,
)
from .permissions import can_change_lesson, can_import_timetable
from .queries import lesson_audience, token_digest

logger = logging.getLogger(__name__)

KIND = "timetable.lesson_changed"
COMPARED = (
    "school_class_id",
    "teaching_group_id",
    "subject_id",
    "subject_code",
    "title",
    "room",
    "starts_at",
    "ends_at",
    "is_cancelled_in_source",
)
BATCH = 500


@dataclass
class Counts:
    """What an import did to the lessons."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@dataclass
class _Diff:
    create: list[Planned] = field(default_factory=list)
    update: list[tuple[int, Planned]] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)
    unchanged: int = 0

    @property
    def counts(self) -> Counts:
        return Counts(len(self.create), len(self.update), len(self.delete), self.unchanged)


def _values(planned: Planned) -> tuple[Any, ...]:
    return (
        planned.school_class_id,
        planned.teaching_group_id,
        planned.subject_id,
        planned.subject_code,
        planned.title,
        planned.room,
        planned.starts_at,
        planned.ends_at,
        planned.is_cancelled,
    )


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _diff(school: School, source: str, scope: str, plan: Plan, now: datetime) -> _Diff:
    """Compare the plan with the lessons of the same school, source and scope.

    Lessons already begun stay as they were (the timetable's history), except at the first
    import of a scope, which brings the whole file in.
    """
    lessons = Lesson.objects.filter(school=school, source=source, scope=scope)
    cutoff = now if lessons.filter(starts_at__lt=now).exists() else None
    existing = {
        uid: (pk, tuple(values))
        for pk, uid, *values in lessons.values_list("pk", "source_uid", *COMPARED)
    }
    teachers: dict[int, set[int]] = defaultdict(set)
    for lesson_id, user_id in Lesson.teachers.through.objects.filter(
        lesson__school=school, lesson__source=source, lesson__scope=scope
    ).values_list("lesson_id", "user_id"):
        teachers[lesson_id].add(user_id)
    diff = _Diff()
    wanted = {planned.uid for planned in plan.lessons}
    for planned in plan.lessons:
        if cutoff is not None and planned.starts_at < cutoff:
            continue
        found = existing.get(planned.uid)
        if found is None:
            diff.create.append(planned)
        elif found[1] == _values(planned) and teachers[found[0]] == set(planned.teacher_ids):
            diff.unchanged += 1
        else:
            diff.update.append((found[0], planned))
    starts = COMPARED.index("starts_at")
    diff.delete = [
        pk
        for uid, (pk, values) in existing.items()
        if uid not in wanted and (cutoff is None or values[starts] >= cutoff)
    ]
    return diff


def _apply(diff: _Diff, *, school: School, source: str, scope: str, now: datetime) -> None:
    through = Lesson.teachers.through
    for pks in _chunks(diff.delete):
        Lesson.objects.filter(pk__in=pks).delete()
    changed = dict(diff.update)
    for pks in _chunks(list(changed)):
        lessons = list(Lesson.objects.filter(pk__in=pks))
        for lesson in lessons:
            planned = changed[lesson.pk]
            if planned.is_cancelled != lesson.is_cancelled_in_source:
                if planned.is_cancelled:
                    lesson.status = LessonStatus.CANCELLED
                elif lesson.status == LessonStatus.CANCELLED:
                    lesson.status = LessonStatus.SCHEDULED
            for name, value in zip(COMPARED, _values(planned), strict=True):
                setattr(lesson, name, value)
            lesson.updated_at = now
        Lesson.objects.bulk_update(lessons, [*COMPARED, "status", "updated_at"])
        through.objects.filter(lesson_id__in=pks).delete()
        through.objects.bulk_create(
            through(lesson_id=pk, user_id=user) for pk in pks for user in changed[pk].teacher_ids
        )
    for batch in _chunks(diff.create):
        created = Lesson.objects.bulk_create(
            Lesson(
                school=school,
                source=source,
                scope=scope,
                source_uid=planned.uid,
                status=LessonStatus.CANCELLED if planned.is_cancelled else LessonStatus.SCHEDULED,
                created_at=now,
                updated_at=now,
                **dict(zip(COMPARED, _values(planned), strict=True)),
            )
            for planned in batch
        )
        through.objects.bulk_create(
            through(lesson_id=lesson.pk, user_id=user)
            for lesson, planned in zip(created, batch, strict=True)
            for user in planned.teacher_ids
        )


@transaction.atomic
def import_lessons(
    *, actor: User | None, school: School, source: str, scope: str, plan: Plan
) -> Counts:
    """Make the school's future lessons of `source` and `scope` those of `plan`, at once."""
    if actor is not None and not can_import_timetable(actor, school):
        raise PermissionDenied
    now = timezone.now()
    diff = _diff(school, source, scope, plan, now)
    _apply(diff, school=school, source=source, scope=scope, now=now)
    counts = diff.counts
    record(
        actor=actor,
        action="timetable.lessons.replace",
        target=school,
        data={"source": source, "scope": scope, **counts.__dict__},
    )
    return counts


def _edt_key() -> Any:
    """Load the ENT's Index Education partner key, if one is configured."""
    path = settings.ENT_TIMETABLE_EDT_KEY_FILE
    if not path:
        return None
    try:
        return load_private_key(path)
    except (OSError, ValueError):
        logger.exception("The Index Education partner key %s cannot be read.", path)
        return None


def _is_repeat(entry: Import) -> bool:
    """Tell whether the school's last accepted file of this kind and scope is the same file."""
    last = (
        Import.objects.filter(school=entry.school, kind=entry.kind, scope=entry.scope)
        .exclude(status=ImportStatus.FAILED)
        .order_by("-imported_at", "-pk")
        .values_list("digest", flat=True)
        .first()
    )
    return last == entry.digest


@transaction.atomic
def import_timetable(
    *,
    actor: User | None,
    school: School,
    filename: str,
    data: bytes,
    kind: str | None = None,
    target: Target | None = None,
    dry_run: bool = False,
) -> Import:
    """Import a timetable file into `school`: all of it, or nothing and the reason why.

    The outcome is kept in the import history, refusals included. A dry run saves nothing.
    """
    if actor is not None and not can_import_timetable(actor, school):
        raise PermissionDenied
    entry = Import(
        school=school,
        kind=kind or "",
        filename=filename[:255],
        size=len(data),
        digest=hashlib.sha256(data).hexdigest(),
        imported_by=actor,
    )
    plan = Plan()
    try:
        parsed = importers.read(
            filename,
            data,
            kind=kind,
            edt_key=_edt_key(),
            edt_partner=settings.ENT_TIMETABLE_EDT_PARTNER,
        )
        entry.kind = parsed.kind
        if parsed.kind == ICAL:
            if target is None:
                raise TimetableFileError(
                    _("An iCalendar file is for one class, group or teacher: choose which.")
                )
            entry.scope, entry.target_label = target.scope, target.label[:200]
        if _is_repeat(entry):
            entry.status = ImportStatus.UNCHANGED
        else:
            plan = resolve(school, parsed, target=target if parsed.kind == ICAL else None)
    except TimetableFileError as error:
        entry.status, entry.error = ImportStatus.FAILED, str(error)
    if dry_run:
        if entry.status != ImportStatus.FAILED and entry.status != ImportStatus.UNCHANGED:
            diff = _diff(school, entry.kind, entry.scope, plan, timezone.now())
            _count(entry, diff.counts, plan)
        return entry
    if entry.status == ImportStatus.FAILED:
        entry.save()
        record(
            actor=actor,
            action="timetable.import.refuse",
            target=entry,
            outcome=Outcome.FAILURE,
            data={"filename": entry.filename, "error": entry.error},
        )
        return entry
    if entry.status != ImportStatus.UNCHANGED:
        counts = import_lessons(
            actor=actor, school=school, source=entry.kind, scope=entry.scope, plan=plan
        )
        entry.status = ImportStatus.DONE
        _count(entry, counts, plan)
    entry.save()
    record(
        actor=actor,
        action="timetable.import.run",
        target=entry,
        data={"filename": entry.filename, "status": entry.status, "digest": entry.digest},
    )
    return entry


def _count(entry: Import, counts: Counts, plan: Plan) -> None:
    entry.created_count, entry.updated_count = counts.created, counts.updated
    entry.deleted_count, entry.unchanged_count = counts.deleted, counts.unchanged
    entry.skipped_count = plan.skipped
    entry.warnings = "\n".join(plan.warnings)


def _when(lesson: Lesson) -> str:
    return formats.date_format(timezone.localtime(lesson.starts_at), "l j F, H:i")


def _tell(lesson: Lesson, title: str, body: str = "") -> None:
    notify(
        recipients=lesson_audience(lesson),
        event=Event(
            kind=KIND,
            title=title,
            body=body,
            url=reverse("timetable:lesson", args=[lesson.pk]),
            school_id=lesson.school_id,
        ),
    )


def _check(actor: User, lesson: Lesson) -> None:
    if not can_change_lesson(actor, lesson):
        raise PermissionDenied


@transaction.atomic
def cancel_lesson(*, actor: User, lesson: Lesson, note: str = "") -> Lesson:
    """Cancel a scheduled lesson and tell its pupils and their guardians."""
    _check(actor, lesson)
    if lesson.status != LessonStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled lesson can be cancelled."))
    lesson.status, lesson.note, lesson.updated_at = (
        LessonStatus.CANCELLED,
        note[:500],
        timezone.now(),
    )
    lesson.save(update_fields=["status", "note", "updated_at"])
    record(actor=actor, action="timetable.lesson.cancel", target=lesson, data={"note": note})
    title = _("Lesson cancelled: %(subject)s, %(when)s") % {
        "subject": lesson.subject_label,
        "when": _when(lesson),
    }
    _tell(lesson, title, note)
    return lesson


@transaction.atomic
def move_lesson(
    *,
    actor: User,
    lesson: Lesson,
    starts_at: datetime,
    ends_at: datetime,
    room: str = "",
    note: str = "",
) -> Lesson:
    """Move a scheduled lesson to another time (a new lesson replaces it) and tell its pupils
    and their guardians; return the new lesson."""
    _check(actor, lesson)
    if lesson.status != LessonStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled lesson can be moved."))
    if ends_at <= starts_at:
        raise ValidationError(_("The lesson must end after it starts."))
    now = timezone.now()
    moved = Lesson.objects.create(
        school=lesson.school,
        school_class=lesson.school_class,
        teaching_group=lesson.teaching_group,
        subject=lesson.subject,
        subject_code=lesson.subject_code,
        title=lesson.title,
        room=(room or lesson.room)[:100],
        starts_at=starts_at,
        ends_at=ends_at,
        note=note[:500],
        source=Source.MANUAL,
        created_at=now,
        updated_at=now,
    )
    moved.teachers.set(lesson.teachers.all())
    lesson.status, lesson.moved_to, lesson.note, lesson.updated_at = (
        LessonStatus.MOVED,
        moved,
        note[:500],
        now,
    )
    lesson.save(update_fields=["status", "moved_to", "note", "updated_at"])
    record(
        actor=actor,
        action="timetable.lesson.move",
        target=lesson,
        data={"to": moved.pk, "starts_at": starts_at.isoformat(), "note": note},
    )
    title = _("Lesson moved: %(subject)s, %(when)s → %(new)s") % {
        "subject": lesson.subject_label,
        "when": _when(lesson),
        "new": _when(moved),
    }
    _tell(lesson, title, note)
    return moved


@transaction.atomic
def restore_lesson(*, actor: User, lesson: Lesson) -> Lesson:
    """Put a cancelled or moved lesson back as scheduled (a move's replacement is removed)."""
    _check(actor, lesson)
    if lesson.status == LessonStatus.SCHEDULED:
        raise ValidationError(_("The lesson is already scheduled."))
    replacement = lesson.moved_to
    lesson.status, lesson.moved_to, lesson.note = LessonStatus.SCHEDULED, None, ""
    lesson.updated_at = timezone.now()
    lesson.save(update_fields=["status", "moved_to", "note", "updated_at"])
    if replacement is not None and replacement.source == Source.MANUAL:
        replacement.delete()
    record(actor=actor, action="timetable.lesson.restore", target=lesson)
    title = _("Lesson back on the timetable: %(subject)s, %(when)s") % {
        "subject": lesson.subject_label,
        "when": _when(lesson),
    }
    _tell(lesson, title)
    return lesson


@transaction.atomic
def issue_feed_token(*, actor: User) -> str:
    """Give `actor` a new secret subscription address (the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    FeedToken.objects.update_or_create(
        person=actor, defaults={"digest": token_digest(token), "created_at": timezone.now()}
    )
    record(actor=actor, action="timetable.feed.issue", target=actor)
    return token


@transaction.atomic
def revoke_feed_token(*, actor: User) -> bool:
    """Stop `actor`'s subscription address; tell whether there was one."""
    deleted, _details = FeedToken.objects.filter(person=actor).delete()
    if deleted:
        record(actor=actor, action="timetable.feed.revoke", target=actor)
    return bool(deleted)


@transaction.atomic
def set_subject_colour(*, actor: User, subject_code: str, colour: str) -> None:
    """Choose `actor`'s colour for a subject; an empty colour goes back to the default."""
    if colour and colour not in Colour.values:
        raise ValidationError(_("Unknown colour."))
    if colour:
        SubjectColour.objects.update_or_create(
            person=actor, subject_code=subject_code[:20], defaults={"colour": colour}
        )
    else:
        SubjectColour.objects.filter(person=actor, subject_code=subject_code).delete()
    record(
        actor=actor,
        action="timetable.colour.set",
        target=actor,
        data={"subject": subject_code, "colour": colour},
    )
