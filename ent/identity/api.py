"""Account lifecycle over the REST API (SOC-SEC-IAU-13, -14): the same actions as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from ent.directory.models import User

from .lifecycle import (
    RevocationReason,
    deactivate_account,
    delete_account,
    reactivate_account,
    revoke_credentials,
    suspend_account,
)
from .permissions import can_manage_account
from .queries import account_summary, visible_people

router = Router(tags=["accounts"])


class ExternalIdOut(Schema):
    source: str
    value: str


class MembershipOut(Schema):
    profile: str
    school_uai: str
    school_name: str
    starts_on: date | None
    ends_on: date | None


class AccountOut(Schema):
    uuid: UUID
    login: str
    first_name: str
    last_name: str
    is_active: bool
    activated_at: datetime | None
    charter_accepted_at: datetime | None
    suspended_at: datetime | None
    deactivated_at: datetime | None
    has_password: bool
    last_sign_in_at: datetime | None
    open_sessions: int
    pending_activation_codes: int
    active_cards: int
    has_totp: bool
    external_ids: list[ExternalIdOut]
    memberships: list[MembershipOut]


class ReasonIn(Schema):
    reason: str = ""


class RevokeIn(Schema):
    reason: RevocationReason


def _person(request: HttpRequest, uuid: UUID) -> User:
    """Return the person `uuid` names: 404 unless the caller may see them."""
    return get_object_or_404(visible_people(request.auth), uuid=uuid)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


@router.get("/accounts/{uuid}", response=AccountOut, url_name="account")
def get_account(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    """Read an account's state, identifiers and memberships."""
    person = _person(request, uuid)
    if not can_manage_account(request.auth, person):  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
        raise PermissionDenied
    return account_summary(person)


@router.post("/accounts/{uuid}/suspend", response=AccountOut, url_name="account-suspend")
def suspend(request: HttpRequest, uuid: UUID, payload: ReasonIn | None = None) -> dict[str, Any]:
    """Suspend an account: sign-in is refused and its open sessions end."""
    reason = payload.reason if payload else ""
    person = suspend_account(actor=request.auth, person=_person(request, uuid), reason=reason)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
    return account_summary(person)


@router.post("/accounts/{uuid}/reactivate", response=AccountOut, url_name="account-reactivate")
def reactivate(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    """Lift a suspension or a deactivation."""
    person = reactivate_account(actor=request.auth, person=_person(request, uuid))  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
    return account_summary(person)


@router.post("/accounts/{uuid}/deactivate", response=AccountOut, url_name="account-deactivate")
def deactivate(request: HttpRequest, uuid: UUID, payload: ReasonIn | None = None) -> dict[str, Any]:
    """Deactivate an account; its personal data is purged after the retention period."""
    reason = payload.reason if payload else ""
    person = deactivate_account(actor=request.auth, person=_person(request, uuid), reason=reason)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
    return account_summary(person)


@router.post("/accounts/{uuid}/revoke-credentials", response=AccountOut, url_name="account-revoke")
def revoke(request: HttpRequest, uuid: UUID, payload: RevokeIn) -> dict[str, Any]:
    """Revoke every credential of an account after a loss, theft or malfunction."""
    person = _person(request, uuid)
    revoke_credentials(actor=request.auth, person=person, reason=payload.reason.value)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
    return account_summary(person)


@router.delete("/accounts/{uuid}", response={204: None}, url_name="account-delete")
def delete(request: HttpRequest, uuid: UUID) -> Status[None]:
    """Delete an account: its credentials are withdrawn and its personal data erased."""
    delete_account(actor=request.auth, person=_person(request, uuid))  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth
    return Status(204, None)
