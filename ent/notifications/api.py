"""The notifications over the REST API: the same reads and actions as the pages.

Every endpoint answers for the signed-in person only (the API's session or bearer auth);
another person's notification is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from ent.directory.models import School, User

from .actions import (
    mark_all_read,
    mark_read,
    save_preferences,
    set_channel_policy,
    subscribe_push,
    unsubscribe_push,
)
from .models import Notification
from .permissions import can_set_channel_policy
from .queries import inbox, preference_grid, school_policy, unread_count

router = Router(tags=["notifications"])
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
# No NUL character: PostgreSQL refuses it in text (a 500).
NO_NUL = r"^[^\x00]*$"


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    school_id: int | None
    created_at: datetime
    read_at: datetime | None


class CountOut(Schema):
    count: int


class PageIn(Schema):
    limit: int = 20
    # Bounded: the database refuses an OFFSET past a 64-bit integer (a 500, not a 422).
    offset: int = Field(0, le=MAX_OFFSET)
    unread: bool = False


class ChoiceIn(Schema):
    kind: str
    channel: str
    enabled: bool


class ChoiceOut(ChoiceIn):
    allowed: bool
    missing: str


class PreferencesIn(Schema):
    choices: list[ChoiceIn]


class PreferencesOut(Schema):
    channels: list[str]
    kinds: list[str]
    choices: list[ChoiceOut]


class PushSubscriptionIn(Schema):
    # The lengths of PushSubscription's columns: PostgreSQL refuses longer values (a 500).
    endpoint: str = Field(max_length=1000, pattern=NO_NUL)
    p256dh: str = Field(max_length=200, pattern=NO_NUL)
    auth: str = Field(max_length=100, pattern=NO_NUL)


class EndpointIn(Schema):
    endpoint: str = Field(max_length=1000, pattern=NO_NUL)


class PolicyIn(Schema):
    channel: str
    profiles: list[str]


class PolicyOut(Schema):
    # Per governed channel, the profiles it may reach; null: every profile.
    channels: dict[str, list[str] | None]


def _me(request: HttpRequest) -> User:
    return cast("User", request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _preferences(person: User) -> dict[str, Any]:
    grid = preference_grid(person)
    return {
        "channels": list(grid.channels),
        "kinds": [row.kind for row in grid.rows],
        "choices": [
            {
                "kind": cell.kind,
                "channel": cell.channel,
                "enabled": cell.is_enabled,
                "allowed": cell.is_allowed,
                "missing": cell.missing,
            }
            for cell in grid.cells()
        ],
    }


@router.get("", response=list[NotificationOut], url_name="notification-list")
def notification_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    """List the person's notifications, unread first, then newest first."""
    found = inbox(_me(request))
    if page.unread:
        found = found.unread()
    start = max(page.offset, 0)
    return found[start : start + min(max(page.limit, 1), MAX_LIMIT)]


@router.get("/unread-count", response=CountOut, url_name="notification-unread-count")
def unread(request: HttpRequest) -> dict[str, int]:
    """Count the person's unread notifications (what a client polls)."""
    return {"count": unread_count(_me(request))}


@router.post("/{notification_id}/read", response=NotificationOut, url_name="notification-read")
def read(request: HttpRequest, notification_id: int) -> Notification:
    """Mark one notification read."""
    me = _me(request)
    notification = get_object_or_404(Notification.objects.visible_to(me), pk=notification_id)
    return mark_read(actor=me, notification=notification)


@router.post("/read-all", response=CountOut, url_name="notification-read-all")
def read_all(request: HttpRequest) -> dict[str, int]:
    """Mark every notification of the person read; return how many were unread."""
    return {"count": mark_all_read(actor=_me(request))}


@router.get("/preferences", response=PreferencesOut, url_name="notification-preferences")
def preferences(request: HttpRequest) -> dict[str, Any]:
    """Return the person's choice for each kind and channel, and what their school allows."""
    return _preferences(_me(request))


@router.put("/preferences", response=PreferencesOut, url_name="notification-preferences-put")
def change_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """Change some choices ("*" as the kind: every kind); 403 for a channel the school forbids."""
    me = _me(request)
    choices = {(item.kind, item.channel): item.enabled for item in payload.choices}
    save_preferences(actor=me, person=me, choices=choices)
    return _preferences(me)


@router.post("/push-subscriptions", response={201: None}, url_name="push-subscribe")
def push_subscribe(request: HttpRequest, payload: PushSubscriptionIn) -> Status[None]:
    """Remember this device's Web Push subscription."""
    subscribe_push(actor=_me(request), **payload.model_dump())
    return Status(201, None)


@router.delete("/push-subscriptions", response={204: None}, url_name="push-unsubscribe")
def push_unsubscribe(request: HttpRequest, payload: EndpointIn) -> Status[None]:
    """Forget this device's Web Push subscription."""
    unsubscribe_push(actor=_me(request), endpoint=payload.endpoint)
    return Status(204, None)


def _school(request: HttpRequest, school_id: int) -> School:
    """Return a school whose policy the person manages: 403 for another school."""
    school = get_object_or_404(School.objects.filter(is_active=True), pk=school_id)
    if not can_set_channel_policy(_me(request), school):
        raise PermissionDenied
    return school


def _policy(school: School) -> dict[str, Any]:
    stored = school_policy(school)
    return {
        "channels": {key: None if value is None else sorted(value) for key, value in stored.items()}
    }


@router.get("/schools/{school_id}/policy", response=PolicyOut, url_name="notification-policy")
def policy(request: HttpRequest, school_id: int) -> dict[str, Any]:
    """Return the profiles each channel may reach in a school."""
    return _policy(_school(request, school_id))


@router.put("/schools/{school_id}/policy", response=PolicyOut, url_name="notification-policy-put")
def change_policy(request: HttpRequest, school_id: int, payload: PolicyIn) -> dict[str, Any]:
    """Choose the profiles one channel may reach in a school (an empty list forbids it)."""
    school = _school(request, school_id)
    set_channel_policy(actor=_me(request), school=school, **payload.model_dump())
    return _policy(school)
