"""Who may do what to a support ticket (SOC-SUP-ASU-02, -04). Pure predicates, no writes.

Each predicate takes the actor's `Rights` when the caller already has them (a view has
`rights_of(request)`), and computes them otherwise.
"""

from __future__ import annotations

from typing import Any

from ent.directory.models import School
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import OPEN_STATUSES, SUPPORT, Status, SupportLevel, Ticket, is_operator


def _rights(actor: Any, rights: Rights | None) -> Rights:
    return rights if rights is not None else effective_rights(actor)


def _active(actor: Any) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def is_referent(actor: Any, school_id: int, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` is a référent of the school: holds support at MANAGE there."""
    if not _active(actor):
        return False
    return _rights(actor, rights).has(SUPPORT, school=school_id, level=Level.MANAGE)


def can_open_ticket(actor: Any, school: School, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may ask for help in `school`: they use the support service there."""
    if not _active(actor):
        return False
    return _rights(actor, rights).has(SUPPORT, school=school.pk, level=Level.USE)


def _is_author(actor: Any, ticket: Ticket, rights: Rights | None) -> bool:
    if ticket.author_id != actor.pk:
        return False
    return _rights(actor, rights).has(SUPPORT, level=Level.USE)


def _handles(actor: Any, ticket: Ticket, rights: Rights | None) -> bool:
    """Say whether `actor` handles the ticket at its level: an operator always, the référent
    at level 1 only (level 2 belongs to the project's support)."""
    if is_operator(actor):
        return True
    return ticket.level == SupportLevel.SCHOOL and is_referent(
        actor, ticket.school_id, rights=rights
    )


def _takes_part(actor: Any, ticket: Ticket, rights: Rights | None) -> bool:
    """Say whether `actor` writes on the ticket: its author, a référent of its school or an
    operator. Oversight is never enough (SOC-SUP-ASU-04: read-only)."""
    if not _active(actor):
        return False
    return (
        is_operator(actor)
        or is_referent(actor, ticket.school_id, rights=rights)
        or _is_author(actor, ticket, rights)
    )


def can_comment_ticket(actor: Any, ticket: Ticket, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may add a comment: a participant, until the ticket is closed."""
    return ticket.status != Status.CLOSED and _takes_part(actor, ticket, rights)


def can_acknowledge_ticket(actor: Any, ticket: Ticket, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may take a new ticket in hand at level 1."""
    return (
        _active(actor)
        and ticket.status == Status.NEW
        and ticket.level == SupportLevel.SCHOOL
        and _handles(actor, ticket, rights)
    )


def can_escalate_ticket(actor: Any, ticket: Ticket, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may pass a level-1 ticket on to the project's support."""
    return (
        _active(actor)
        and ticket.status in (Status.NEW, Status.ACKNOWLEDGED)
        and ticket.level == SupportLevel.SCHOOL
        and _handles(actor, ticket, rights)
    )


def can_resolve_ticket(actor: Any, ticket: Ticket, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may mark an open ticket resolved at its level."""
    return _active(actor) and ticket.status in OPEN_STATUSES and _handles(actor, ticket, rights)


def can_close_ticket(actor: Any, ticket: Ticket, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may close the ticket: its author or whoever handles it."""
    return ticket.status != Status.CLOSED and _takes_part(actor, ticket, rights)


def can_reopen_ticket(actor: Any, ticket: Ticket, *, rights: Rights | None = None) -> bool:
    """Say whether `actor` may reopen a resolved or closed ticket."""
    return ticket.status in (Status.RESOLVED, Status.CLOSED) and _takes_part(actor, ticket, rights)
