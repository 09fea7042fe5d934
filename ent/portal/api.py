"""The portal REST endpoints: `GET /api/v1/me`, the signed-in person and their services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from ent.directory.models import User

from .queries import me

# Authentication is the API's default: the browser's session or an OIDC bearer token.
router = Router(tags=["portal"])


class PersonOut(Schema):
    uuid: UUID
    login: str
    display_name: str
    first_name: str
    last_name: str


class SchoolOut(Schema):
    uai: str
    name: str


class MembershipOut(Schema):
    school: SchoolOut
    profile: str
    functions: list[str]


class DivisionOut(Schema):
    label: str
    school: str
    school_uai: str
    is_group: bool
    subject: str
    role: str


class ChildOut(Schema):
    uuid: UUID
    display_name: str
    classes: list[DivisionOut]


class ServiceOut(Schema):
    code: str
    label: str
    level: int
    url: str
    launch_url: str
    external: bool
    school_uais: list[str] | None


class MeOut(Schema):
    person: PersonOut
    memberships: list[MembershipOut]
    classes: list[DivisionOut]
    children: list[ChildOut]
    current_school: str | None
    services: list[ServiceOut]


@router.get("/me", response=MeOut, url_name="me")
def read_me(request: HttpRequest) -> dict[str, Any]:
    """Return the signed-in person, their memberships, classes, children and services (the
    launcher's list before personal hiding; `url` opens a service, `launch_url` counts it)."""
    person = request.auth  # type: ignore[attr-defined]  # attr-defined: set by ninja's auth
    assert isinstance(person, User)  # noqa: S101  # S101: both API authentications return a User
    return me(request, person)
