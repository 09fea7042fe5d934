"""Writing a timetable as iCalendar (RFC 5545), for download and for calendar subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Lesson, LessonStatus

PRODUCT = "-//ENT//Timetable//FR"


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _summary(lesson: Lesson) -> str:
    division = lesson.division
    return f"{lesson.subject_label} - {division}" if division else lesson.subject_label


def _description(lesson: Lesson) -> str:
    lines = [", ".join(teacher.display_name for teacher in lesson.teachers.all())]
    if lesson.status == LessonStatus.MOVED and lesson.moved_to is not None:
        when = formats.date_format(timezone.localtime(lesson.moved_to.starts_at), "l j F, H:i")
        lines.append(_("Moved to %(when)s.") % {"when": when})
    if lesson.note:
        lines.append(lesson.note)
    return "\n".join(line for line in lines if line)


def write_calendar(lessons: Iterable[Lesson], *, name: str, host: str) -> str:
    """Return the lessons as one VCALENDAR; cancelled and moved lessons say so."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for lesson in lessons:
        cancelled = lesson.status != LessonStatus.SCHEDULED
        lines += [
            "BEGIN:VEVENT",
            f"UID:lesson-{lesson.pk}@{host}",
            f"DTSTAMP:{_utc(lesson.updated_at)}",
            f"DTSTART:{_utc(lesson.starts_at)}",
            f"DTEND:{_utc(lesson.ends_at)}",
            f"SUMMARY:{escape(_summary(lesson))}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        ]
        if lesson.room:
            lines.append(f"LOCATION:{escape(lesson.room)}")
        description = _description(lesson)
        if description:
            lines.append(f"DESCRIPTION:{escape(description)}")
        if lesson.subject_code:
            lines.append(f"CATEGORIES:{escape(lesson.subject_code)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(f"{fold(line)}\r\n" for line in lines)
