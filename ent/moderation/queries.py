"""Reads of the moderation app: the reports a person moderates, and their own reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ent.directory.models import User

from . import registry
from .models import Report, Status


@dataclass(frozen=True)
class ReportRow:
    """A report with what it is about, as a moderator reads it."""

    report: Report
    label: str
    url: str
    target: Any


def reports_to_moderate(user: User, *, only_open: bool = True) -> list[ReportRow]:
    """Return the reports on content `user` moderates, newest first (two queries a kind)."""
    rows: list[ReportRow] = []
    for entry in registry.registered():
        reports = Report.objects.filter(kind=entry.kind).select_related("reporter", "decided_by")
        if only_open:
            reports = reports.filter(status=Status.OPEN)
        reports_list = list(reports.order_by("-created_at", "-pk")[:500])
        if not reports_list:
            continue
        ids = {item.object_id for item in reports_list}
        targets = entry.model._default_manager.in_bulk(ids)
        allowed = {pk: obj for pk, obj in targets.items() if entry.can_moderate(user, obj)}
        rows.extend(
            ReportRow(
                item, str(entry.label), entry.url(allowed[item.object_id]), allowed[item.object_id]
            )
            for item in reports_list
            if item.object_id in allowed
        )
    rows.sort(key=lambda row: (row.report.created_at, row.report.pk), reverse=True)
    return rows


def report_to_moderate(user: User, report_id: int) -> Report:
    """Return one report on content `user` moderates; LookupError for any other."""
    found = Report.objects.filter(pk=report_id).first()
    if found is None:
        raise LookupError(report_id)
    try:
        entry = registry.get(found.kind)
        target = entry.model._default_manager.filter(pk=found.object_id).first()
    except LookupError:
        raise LookupError(report_id) from None
    if target is None or not entry.can_moderate(user, target):
        raise LookupError(report_id)
    return found


def reports_of(user: User) -> QuerySet[Report]:
    """Return the reports `user` made, newest first."""
    return Report.objects.filter(reporter=user).order_by("-created_at", "-pk")


def reportable(user: User, kind: str, object_id: int) -> tuple[registry.Moderated, Any]:
    """Return the registration and the object `user` may report; LookupError otherwise."""
    entry = registry.get(kind)
    found = entry.visible_to(user).filter(pk=object_id).first()
    if found is None:
        raise LookupError(object_id)
    return entry, found
