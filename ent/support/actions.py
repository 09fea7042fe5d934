"""Every change to a support ticket (SOC-SUP-ASU-02): open, comment, acknowledge, escalate,
resolve, close, reopen. Each writes one history event, which nothing ever changes after."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ent.audit.actions import record
from ent.directory.models import School, User
from ent.notifications.actions import notify
from ent.notifications.events import Event
from ent.rights.queries import Rights

from .models import (
    Category,
    EventKind,
    Status,
    SupportLevel,
    Ticket,
    TicketEvent,
    Urgency,
)
from .permissions import (
    can_acknowledge_ticket,
    can_close_ticket,
    can_comment_ticket,
    can_escalate_ticket,
    can_open_ticket,
    can_reopen_ticket,
    can_resolve_ticket,
)

logger = logging.getLogger(__name__)

STATUS_CHANGED = "support.ticket_status"
Predicate = Callable[..., bool]


def _one_line(value: str) -> str:
    # A subject travels in e-mail headers and page titles: no line breaks.
    return " ".join(value.split())


def _required(value: str) -> str:
    if not value.strip():
        raise ValidationError(gettext("This field is required."))
    return value


def _locked(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock, so that two référents never race on one status."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def open_ticket(
    *,
    actor: User,
    school: School,
    subject: str,
    description: str,
    category: str,
    urgency: str = Urgency.NORMAL,
    rights: Rights | None = None,
) -> Ticket:
    """Open a ticket to the school's référent, at any hour the ENT is open (SOC-SUP-ASU-02)."""
    if not can_open_ticket(actor, school, rights=rights):
        raise PermissionDenied(gettext("You may not ask for help in this school."))
    if category not in Category.values or urgency not in Urgency.values:
        raise ValidationError(gettext("Choose a category and an urgency from the list."))
    now = timezone.now()
    ticket = Ticket.objects.create(
        school=school,
        author=actor,
        subject=_one_line(_required(subject))[:200],
        description=_required(description).strip(),
        category=category,
        urgency=urgency,
        created_at=now,
        updated_at=now,
    )
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, at=now, kind=EventKind.STATUS, new_status=Status.NEW
    )
    record(actor=actor, action="support.ticket.open", target=ticket, data={"school": school.pk})
    return ticket


@transaction.atomic
def comment_ticket(
    *, actor: User, ticket: Ticket, text: str, rights: Rights | None = None
) -> TicketEvent:
    """Add a comment to the ticket's history."""
    ticket = _locked(ticket)
    if not can_comment_ticket(actor, ticket, rights=rights):
        raise PermissionDenied(gettext("You may not comment on this ticket."))
    now = timezone.now()
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        at=now,
        kind=EventKind.COMMENT,
        text=_required(text).strip(),
    )
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    record(actor=actor, action="support.ticket.comment", target=ticket)
    return event


def _move(
    *,
    actor: User,
    ticket: Ticket,
    allowed: Predicate,
    verb: str,
    status: str | Callable[[Ticket], str],
    text: str,
    rights: Rights | None,
    kind: str = EventKind.STATUS,
    **changes: Any,
) -> Ticket:
    """Check, change the ticket's status, write the history event, audit, notify the author."""
    ticket = _locked(ticket)
    if not allowed(actor, ticket, rights=rights):
        raise PermissionDenied(gettext("You may not do this to this ticket."))
    now = timezone.now()
    old = ticket.status
    if callable(status):
        status = status(ticket)
    ticket.status = status
    ticket.updated_at = now
    for field, value in changes.items():
        setattr(ticket, field, value)
    ticket.save(update_fields=["status", "updated_at", *changes])
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        at=now,
        kind=kind,
        old_status=old,
        new_status=status,
        text=text.strip(),
    )
    record(
        actor=actor,
        action=f"support.ticket.{verb}",
        target=ticket,
        data={"from": old, "to": status},
    )
    _notify_author(ticket, actor)
    return ticket


@transaction.atomic
def acknowledge_ticket(
    *, actor: User, ticket: Ticket, text: str = "", rights: Rights | None = None
) -> Ticket:
    """Take a new ticket in hand as the school's référent; it is then assigned to the actor."""
    return _move(
        actor=actor,
        ticket=ticket,
        allowed=can_acknowledge_ticket,
        verb="acknowledge",
        status=Status.ACKNOWLEDGED,
        text=text,
        rights=rights,
        assigned_to=actor,
    )


@transaction.atomic
def escalate_ticket(
    *,
    actor: User,
    ticket: Ticket,
    text: str = "",
    site_url: str = "",
    rights: Rights | None = None,
) -> Ticket:
    """Pass the ticket on to the project's support (level 2) and e-mail the operators."""
    ticket = _move(
        actor=actor,
        ticket=ticket,
        allowed=can_escalate_ticket,
        verb="escalate",
        status=Status.ESCALATED,
        text=text,
        rights=rights,
        kind=EventKind.ESCALATION,
        level=SupportLevel.PROJECT,
        assigned_to=None,
    )
    transaction.on_commit(partial(_mail_operators, ticket.pk, site_url), robust=True)
    return ticket


@transaction.atomic
def resolve_ticket(
    *, actor: User, ticket: Ticket, text: str = "", rights: Rights | None = None
) -> Ticket:
    """Mark the ticket resolved, at its level."""
    return _move(
        actor=actor,
        ticket=ticket,
        allowed=can_resolve_ticket,
        verb="resolve",
        status=Status.RESOLVED,
        text=text,
        rights=rights,
    )


@transaction.atomic
def close_ticket(
    *, actor: User, ticket: Ticket, text: str = "", rights: Rights | None = None
) -> Ticket:
    """Close the ticket: its author or whoever handles it says it needs nothing more."""
    return _move(
        actor=actor,
        ticket=ticket,
        allowed=can_close_ticket,
        verb="close",
        status=Status.CLOSED,
        text=text,
        rights=rights,
    )


@transaction.atomic
def reopen_ticket(
    *, actor: User, ticket: Ticket, text: str = "", rights: Rights | None = None
) -> Ticket:
    """Reopen a resolved or closed ticket at the level it had reached."""
    return _move(
        actor=actor,
        ticket=ticket,
        allowed=can_reopen_ticket,
        verb="reopen",
        status=_reopened_status,
        text=text,
        rights=rights,
    )


def _reopened_status(ticket: Ticket) -> str:
    return Status.ESCALATED if ticket.level == SupportLevel.PROJECT else Status.NEW


# Side effects, after commit ------------------------------------------------------------------


def _notify_author(ticket: Ticket, actor: User) -> None:
    if ticket.author_id is None or ticket.author_id == actor.pk:
        return
    event = Event(
        kind=STATUS_CHANGED,
        title=gettext("Your request #%(number)d is now: %(status)s")
        % {"number": ticket.pk, "status": ticket.get_status_display()},
        url=reverse("support:ticket-detail", args=[ticket.pk]),
        school_id=ticket.school_id,
    )
    notify(recipients=User.objects.filter(pk=ticket.author_id), event=event)


def _mail_operators(ticket_id: int, site_url: str) -> None:
    """E-mail the project's support that a ticket reached level 2 (SOC-SUP-ASU-02)."""
    ticket = Ticket.objects.select_related("school").get(pk=ticket_id)
    addresses = list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    if not addresses:
        logger.warning("ticket %s escalated, but no operator has an e-mail address", ticket_id)
        return
    # Personal data minimisation: the mail names the ticket, the description stays in the ENT.
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "project": settings.ENT_PROJECT_NAME,
            "number": ticket.pk,
            "subject": ticket.subject,
            "school": str(ticket.school),
            "category": ticket.get_category_display(),
            "urgency": ticket.get_urgency_display(),
            "link": site_url.rstrip("/") + reverse("support:ticket-detail", args=[ticket.pk]),
        }
        subject = gettext("[%(project)s] Request #%(number)d escalated: %(subject)s") % context
        body = (
            gettext(
                "The référent of %(school)s passed request #%(number)d on to the project's "
                "support.\nSubject: %(subject)s\nCategory: %(category)s\nUrgency: %(urgency)s\n"
                "Open it in the ENT: %(link)s"
            )
            % context
        )
    send_mail(subject, body, None, addresses)
