"""Reads for the support pages: ticket lists, a ticket with its history, the person's desks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ent.directory.models import School
from ent.rights.queries import Rights
from ent.rights.registry import Level

from .models import (
    SUPPORT,
    SupportLevel,
    Ticket,
    TicketEvent,
    TicketQuerySet,
    is_operator,
    oversight_school_ids,
)
from .permissions import (
    can_acknowledge_ticket,
    can_close_ticket,
    can_comment_ticket,
    can_escalate_ticket,
    can_reopen_ticket,
    can_resolve_ticket,
)

# The status filter's values beside the statuses themselves.
OPEN, ALL = "", "ALL"


def _schools(ids: set[int] | None) -> QuerySet[School]:
    schools = School.objects.filter(is_active=True)
    return (schools if ids is None else schools.filter(pk__in=ids)).order_by("name", "pk")


def ticket_schools(rights: Rights) -> QuerySet[School]:
    """Return the schools where the person may open a ticket (they use the service there)."""
    return _schools(rights.school_ids(SUPPORT, level=Level.USE))


@dataclass(frozen=True)
class Desks:
    """The support pages one person may open, for the guide's index."""

    may_open: bool
    referent_schools: list[School]
    is_operator: bool
    oversees: bool


def desks(person: Any, rights: Rights) -> Desks:
    """Return the support pages `person` may open."""
    referent = rights.school_ids(SUPPORT, level=Level.MANAGE)
    return Desks(
        may_open=rights.has(SUPPORT, level=Level.USE),
        referent_schools=list(_schools(referent)) if referent != set() else [],
        is_operator=is_operator(person),
        oversees=oversight_school_ids(rights) != set(),
    )


def with_status(tickets: TicketQuerySet, status: str) -> TicketQuerySet:
    """Filter a list by the status filter: open tickets, all of them, or one status."""
    if status == OPEN:
        return tickets.open()
    if status == ALL:
        return tickets
    return tickets.filter(status=status)


def _listed(tickets: TicketQuerySet) -> TicketQuerySet:
    return tickets.select_related("school", "author", "assigned_to").order_by("-updated_at", "-pk")


def my_tickets(person: Any) -> TicketQuerySet:
    """Return the tickets `person` opened, the latest activity first."""
    return _listed(Ticket.objects.filter(author=person))


def school_queue(school: School, status: str) -> TicketQuerySet:
    """Return the référent's queue of one school, filtered by status."""
    return _listed(with_status(Ticket.objects.filter(school=school), status))


def level_two_queue(status: str) -> TicketQuerySet:
    """Return the project's support queue: tickets escalated to level 2, filtered by status."""
    return _listed(with_status(Ticket.objects.filter(level=SupportLevel.PROJECT), status))


def oversight_queue(person: Any, rights: Rights, status: str) -> TicketQuerySet:
    """Return every ticket `person` oversees read-only (SOC-SUP-ASU-04), filtered by status."""
    ids = oversight_school_ids(rights)
    tickets = Ticket.objects.all() if ids is None else Ticket.objects.filter(school_id__in=ids)
    return _listed(with_status(tickets, status))


@dataclass(frozen=True)
class TicketPage:
    """A ticket, its history, and what the reader may do to it."""

    ticket: Ticket
    events: list[TicketEvent]
    may_comment: bool
    may_acknowledge: bool
    may_escalate: bool
    may_resolve: bool
    may_close: bool
    may_reopen: bool

    @property
    def may_act(self) -> bool:
        return (
            any((self.may_acknowledge, self.may_escalate, self.may_resolve, self.may_close))
            or self.may_reopen
        )


def ticket_page(person: Any, rights: Rights, ticket: Ticket) -> TicketPage:
    """Return a ticket's page: its history in order and the actions open to `person`."""
    events = list(
        TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("at", "pk")
    )
    return TicketPage(
        ticket=ticket,
        events=events,
        may_comment=can_comment_ticket(person, ticket, rights=rights),
        may_acknowledge=can_acknowledge_ticket(person, ticket, rights=rights),
        may_escalate=can_escalate_ticket(person, ticket, rights=rights),
        may_resolve=can_resolve_ticket(person, ticket, rights=rights),
        may_close=can_close_ticket(person, ticket, rights=rights),
        may_reopen=can_reopen_ticket(person, ticket, rights=rights),
    )
