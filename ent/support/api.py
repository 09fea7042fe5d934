"""The support REST endpoints (SOC-SUP-ASU-02, -04): list, open, read and comment tickets."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.errors import AuthorizationError

from ent.directory.models import School, User
from ent.rights.decorators import ServiceAuth
from ent.rights.queries import rights_of

from .actions import comment_ticket, open_ticket
from .models import (
    OVERSIGHT,
    SUPPORT,
    Category,
    Status,
    Ticket,
    TicketEvent,
    TicketQuerySet,
    Urgency,
    is_operator,
)
from .queries import ALL, OPEN, with_status


class SupportAuth(ServiceAuth):
    """401 without a session; 403 unless the person uses support, oversees it or operates it."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not isinstance(user, User) or not user.is_active:
            return None
        rights = rights_of(request)
        if not (rights.has(SUPPORT) or rights.has(OVERSIGHT) or is_operator(user)):
            raise AuthorizationError
        return user


router = Router(tags=["support"], auth=SupportAuth(SUPPORT))
# No NUL character: PostgreSQL refuses it in text (a 500); the HTML forms refuse it too.
NO_NUL = r"^[^\x00]*$"


class TicketIn(Schema):
    school_id: int
    subject: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    description: str = Field(min_length=1, max_length=10000, pattern=NO_NUL)
    category: Category
    urgency: Urgency = Urgency.NORMAL


class CommentIn(Schema):
    text: str = Field(min_length=1, max_length=10000, pattern=NO_NUL)


class TicketOut(Schema):
    id: int
    school_id: int
    author_id: int | None
    subject: str
    description: str
    category: Category
    urgency: Urgency
    status: Status
    level: int
    assigned_to_id: int | None
    created_at: datetime
    updated_at: datetime


class EventOut(Schema):
    id: int
    actor_id: int | None
    at: datetime
    kind: str
    old_status: str
    new_status: str
    text: str


class TicketDetailOut(TicketOut):
    events: list[EventOut]


class TicketFilter(Schema):
    status: str = Field(OPEN, description='"" (open), "ALL" or one status.')
    limit: int = Field(50, ge=1, le=200)
    # Bounded: the database refuses an OFFSET past a 64-bit integer (a 500, not a 422).
    offset: int = Field(0, ge=0, le=1_000_000)


def _person(request: HttpRequest) -> User:
    # SupportAuth put the signed-in User in request.auth.
    return cast(User, request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _visible(request: HttpRequest) -> TicketQuerySet:
    return Ticket.objects.visible_to(_person(request), rights=rights_of(request))


@router.get("/tickets", response=list[TicketOut])
def list_tickets(request: HttpRequest, filters: Query[TicketFilter]) -> list[Ticket]:
    """List the tickets the caller may read, the latest activity first."""
    status = filters.status if filters.status in (OPEN, ALL, *Status.values) else OPEN
    tickets = with_status(_visible(request), status).order_by("-updated_at", "-pk")
    return list(tickets[filters.offset : filters.offset + filters.limit])


@router.post("/tickets", response={201: TicketOut})
def create_ticket(request: HttpRequest, payload: TicketIn) -> Answer[Ticket]:
    """Open a ticket to the référent of one of the caller's schools."""
    school = get_object_or_404(School, pk=payload.school_id, is_active=True)
    data = payload.model_dump(exclude={"school_id"})
    ticket = open_ticket(actor=_person(request), school=school, rights=rights_of(request), **data)
    return Answer(201, ticket)


@router.get("/tickets/{ticket_id}", response=TicketDetailOut)
def get_ticket(request: HttpRequest, ticket_id: int) -> dict[str, object]:
    """Read one ticket and its history (404 when the caller may not read it)."""
    ticket = get_object_or_404(_visible(request), pk=ticket_id)
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk"))
    return {**TicketOut.from_orm(ticket).model_dump(), "events": events}


@router.post("/tickets/{ticket_id}/comments", response={201: EventOut})
def add_comment(request: HttpRequest, ticket_id: int, payload: CommentIn) -> Answer[TicketEvent]:
    """Comment on a ticket (403 for a reader who may not write, such as the project owner)."""
    ticket = get_object_or_404(_visible(request), pk=ticket_id)
    event = comment_ticket(
        actor=_person(request), ticket=ticket, text=payload.text, rights=rights_of(request)
    )
    return Answer(201, event)
