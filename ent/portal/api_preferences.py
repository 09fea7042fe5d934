"""The person's own preferences over the REST API: the same action as the preferences page.

Mounted in ent/api.py with `api.add_router("", preferences_router)`: GET and PUT
/api/v1/preferences. A service the person does not hold is refused with a 422 problem.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from .actions import save_preferences
from .personalisation import preference_summary

router = Router(tags=["preferences"])


class PreferencesIn(Schema):
    hidden: list[str] = []
    order: list[str] = []
    theme: str = ""
    text_size: int = 100
    high_contrast: bool = False
    dyslexia_font: bool = False
    reduce_motion: bool = False
    prefers_classic_site: bool = False


class PreferencesOut(PreferencesIn):
    services: list[str]
    locked: list[str]
    allow_personal_theme: bool
    allow_personal_hiding: bool
    html_classes: str


@router.get("/preferences", response=PreferencesOut, url_name="preferences")
def read_preferences(request: HttpRequest) -> dict[str, Any]:
    """Read the person's services, theme and presentation aids, and the limits they live in."""
    return preference_summary(request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


@router.put("/preferences", response=PreferencesOut)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """Replace the person's preferences; a service outside their rights is refused (422)."""
    save_preferences(actor=request.auth, **payload.model_dump())  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
    return preference_summary(request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
