"""The moderation REST endpoints: report content, list and decide the reports one moderates.

The same actions and visibility as the pages: what one may not see or moderate is a 404, a
refusal a 403, invalid input a 422 (problem documents from ent/api.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.security import SessionAuth

from ent.directory.models import User

from . import actions, queries
from .models import NOTE_MAX, REASON_MAX, Report

# Reporting belongs to no service: every signed-in person may report what they see.
router = Router(tags=["moderation"], auth=SessionAuth())


class ReportIn(Schema):
    kind: str = Field(max_length=60)
    object_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(max_length=REASON_MAX)


class DecisionIn(Schema):
    decision: Literal["hide", "dismiss"]
    note: str = Field("", max_length=NOTE_MAX)


class ReportOut(Schema):
    id: int
    kind: str
    object_id: int
    object_label: str
    reason: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    note: str


class ModeratedReportOut(ReportOut):
    url: str


def _person(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets auth


@router.get("/reports", response=list[ModeratedReportOut])
def list_reports(request: HttpRequest) -> list[dict[str, object]]:
    """List the open reports on content the person moderates, newest first."""
    return [
        {**ReportOut.from_orm(row.report).model_dump(), "url": row.url}
        for row in queries.reports_to_moderate(_person(request))
    ]


@router.post("/reports", response={201: ReportOut})
def create_report(request: HttpRequest, payload: ReportIn) -> tuple[int, Report]:
    """Report content the person can see; its moderators are told."""
    try:
        created = actions.report(actor=_person(request), **payload.model_dump())
    except LookupError:
        raise Http404 from None
    return 201, created


@router.get("/reports/mine", response=list[ReportOut])
def my_reports(request: HttpRequest) -> list[Report]:
    """List the reports the person made, newest first."""
    return list(queries.reports_of(_person(request))[:200])


@router.post("/reports/{report_id}/decision", response=ReportOut)
def decide(request: HttpRequest, report_id: int, payload: DecisionIn) -> Report:
    """Hide the reported content or dismiss the report."""
    try:
        found = queries.report_to_moderate(_person(request), report_id)
    except LookupError:
        raise Http404 from None
    return actions.decide(actor=_person(request), report=found, **payload.model_dump())
