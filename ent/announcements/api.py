"""The news and alerts REST endpoints: read, write, submit, validate, reject, accept, withdraw.

The same actions and visibility as the pages: an item one may not open is a 404, a refused
change a 403 that says why, invalid input a 422 (problem documents from ent/api.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from ent.directory.models import School, User
from ent.rights.decorators import ServiceAuth
from ent.rights.queries import effective_rights

from . import actions, queries
from .models import SERVICE, Announcement

router = Router(tags=["announcements"], auth=ServiceAuth(SERVICE))


class AnnouncementIn(Schema):
    # None: an item of the local authority, offered to `offered_to`.
    school_id: int | None = Field(None, ge=1, le=2**31 - 1)
    kind: str = "NEWS"
    title: str = Field(max_length=actions.TITLE_MAX)
    body: str = Field("", max_length=actions.BODY_MAX)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duration_days: int | None = Field(None, ge=1, le=366)
    whole_community: bool = False
    profiles: list[str] = Field(default_factory=list, max_length=20)
    lists: list[str] = Field(default_factory=list, max_length=200)
    offered_to: list[int] = Field(default_factory=list, max_length=1000)
    submit: bool = False


class RejectIn(Schema):
    reason: str = Field("", max_length=2000)


class AcceptIn(Schema):
    school_id: int = Field(ge=1, le=2**31 - 1)


class AnnouncementOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    school_id: int | None
    is_from_authority: bool
    author_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str
    validated_by_id: int | None
    validated_at: datetime | None


def _person(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets auth


def _item(request: HttpRequest, pk: int) -> Announcement:
    person = _person(request)
    return get_object_or_404(queries.readable_by(person, effective_rights(person)), pk=pk)


@router.get("", response=list[AnnouncementOut])
def current(request: HttpRequest) -> list[Announcement]:
    """List the news and alerts shown to the person now, alerts first."""
    person = _person(request)
    return [*queries.current_alerts(person), *queries.current_news(person)]


@router.get("/{pk}", response=AnnouncementOut)
def read(request: HttpRequest, pk: int) -> Announcement:
    """Read one item the person may open."""
    return _item(request, pk)


@router.post("", response={201: AnnouncementOut})
def write(request: HttpRequest, payload: AnnouncementIn) -> tuple[int, Announcement]:
    """Write an item as a draft, or submit it at once with `submit`."""
    data = payload.model_dump()
    school = None
    if data["school_id"] is not None:
        school = get_object_or_404(School, pk=data["school_id"])
    draft = actions.Draft(
        title=data["title"],
        body=data["body"],
        kind=data["kind"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        duration_days=data["duration_days"],
        whole_community=data["whole_community"],
        profiles=data["profiles"],
        lists=data["lists"],
        offered_to=list(School.objects.filter(pk__in=data["offered_to"])),
    )
    item = actions.write_announcement(
        actor=_person(request), school=school, draft=draft, submit=data["submit"]
    )
    return 201, item


@router.post("/{pk}/submit", response=AnnouncementOut)
def submit(request: HttpRequest, pk: int) -> Announcement:
    """Send a draft for validation."""
    return actions.submit_announcement(actor=_person(request), announcement=_item(request, pk))


@router.post("/{pk}/validate", response=AnnouncementOut)
def validate(request: HttpRequest, pk: int) -> Announcement:
    """Validate a submitted item (the school's editorial responsible)."""
    return actions.validate_announcement(actor=_person(request), announcement=_item(request, pk))


@router.post("/{pk}/reject", response=AnnouncementOut)
def reject(request: HttpRequest, pk: int, payload: RejectIn) -> Announcement:
    """Send a submitted item back to its author."""
    return actions.reject_announcement(
        actor=_person(request), announcement=_item(request, pk), reason=payload.reason
    )


@router.post("/{pk}/accept", response=AnnouncementOut)
def accept(request: HttpRequest, pk: int, payload: AcceptIn) -> Announcement:
    """Show an item of the local authority in one of the person's schools."""
    item = _item(request, pk)
    school = get_object_or_404(School, pk=payload.school_id)
    actions.accept_announcement(actor=_person(request), announcement=item, school=school)
    return item


@router.post("/{pk}/withdraw", response=AnnouncementOut)
def withdraw(request: HttpRequest, pk: int) -> Announcement:
    """Take an item off every page."""
    return actions.withdraw_announcement(actor=_person(request), announcement=_item(request, pk))
