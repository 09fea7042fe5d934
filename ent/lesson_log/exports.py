"""Exports of the cahier de textes in open formats: HTML and plain text for a log or the
personal cahier (CDT-08), versioned JSON for the personal cahier and the cahier journal
(CDT-15, -16; the format is documented in ent/lesson_log/exchange_format.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from ent.directory.models import User

from .actions import EXCHANGE_FORMAT
from .models import DayPlan, LessonEntry, Log, PersonalEntry

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
}


def _download(body: str, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{slugify(name) or "cahier"}.{fmt}"'
    return response


def log_document(log: Log, entries: Sequence[LessonEntry], fmt: str) -> HttpResponse:
    """Return a log's entries (those the reader may read) as an HTML or text file."""
    if fmt not in ("html", "txt"):
        raise Http404
    context = {"log": log, "entries": entries, "exported_at": timezone.now()}
    body = render_to_string(f"lesson_log/export/log.{fmt}", context)
    return _download(body, fmt, f"cahier-{log.division}-{log.year_label}")


def _personal_json(person: User, entries: Sequence[PersonalEntry]) -> str:
    data: dict[str, Any] = {
        "format": EXCHANGE_FORMAT,
        "kind": "personal",
        "owner": person.login,
        "exported_at": timezone.now().isoformat(),
        "entries": [
            {
                "title": entry.title,
                "planned_on": entry.planned_on.isoformat() if entry.planned_on else None,
                "subject_code": entry.subject_code,
                "content": entry.content,
                "links": entry.links,
            }
            for entry in entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def personal_document(person: User, entries: Sequence[PersonalEntry], fmt: str) -> HttpResponse:
    """Return the personal cahier as an HTML, text or JSON file."""
    if fmt == "json":
        return _download(_personal_json(person, entries), fmt, "cahier-personnel")
    if fmt not in ("html", "txt"):
        raise Http404
    context = {"owner": person, "entries": entries, "exported_at": timezone.now()}
    body = render_to_string(f"lesson_log/export/personal.{fmt}", context)
    return _download(body, fmt, "cahier-personnel")


def journal_document(person: User, plans: Sequence[DayPlan]) -> HttpResponse:
    """Return the cahier journal as a JSON file."""
    data = {
        "format": EXCHANGE_FORMAT,
        "kind": "journal",
        "owner": person.login,
        "exported_at": timezone.now().isoformat(),
        "days": [
            {
                "day": plan.day.isoformat(),
                "class": plan.school_class.code,
                "sessions": plan.sessions,
                "notes": plan.notes,
            }
            for plan in plans
        ],
    }
    return _download(json.dumps(data, ensure_ascii=False, indent=2), "json", "cahier-journal")
