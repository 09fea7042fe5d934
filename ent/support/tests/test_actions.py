"""The ticket lifecycle (SOC-SUP-ASU-02): every change goes through an action and leaves an
immutable history event, the author is told, escalation reaches the operators by e-mail."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ent.audit.models import AuditEvent
from ent.notifications.models import Notification
from ent.support.actions import (
    acknowledge_ticket,
    close_ticket,
    comment_ticket,
    escalate_ticket,
    open_ticket,
    reopen_ticket,
    resolve_ticket,
)
from ent.support.models import Category, EventKind, Status, SupportLevel, Ticket, TicketEvent

from .factories import new_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_a_pupil_opens_a_ticket_to_the_school_referent(cast, grants):
    ticket = open_ticket(
        actor=cast.pupil,
        school=cast.school,
        subject="  Mot de passe\noublié ",
        description="Je ne retrouve plus mon mot de passe.",
        category=Category.ACCESS,
    )
    assert (ticket.status, ticket.level, ticket.author, ticket.school) == (
        Status.NEW,
        SupportLevel.SCHOOL,
        cast.pupil,
        cast.school,
    )
    # A subject travels in mail headers: it is kept on one line.
    assert ticket.subject == "Mot de passe oublié"
    event = ticket.events.get()
    assert (event.kind, event.old_status, event.new_status, event.actor) == (
        EventKind.STATUS,
        "",
        Status.NEW,
        cast.pupil,
    )
    assert AuditEvent.objects.filter(
        action="support.ticket.open", target_id=str(ticket.pk)
    ).exists()


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_a_ticket_opens_at_three_on_a_sunday_morning(cast, grants):
    # "Open whenever the ENT is": no business hours gate the desk.
    sunday_night = datetime(2025, 3, 9, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(sunday_night, tick=False):
        ticket = new_ticket(cast)
    assert ticket.created_at == sunday_night
    assert ticket.created_at.weekday() == 6


def test_a_ticket_needs_a_subject_a_description_and_a_known_category(cast, grants):
    with pytest.raises(ValidationError):
        new_ticket(cast, subject="   ")
    with pytest.raises(ValidationError):
        new_ticket(cast, description="\n")
    with pytest.raises(ValidationError):
        new_ticket(cast, category="URGENT")
    assert not Ticket.objects.exists()


def test_nobody_opens_a_ticket_in_a_school_where_they_do_not_use_support(cast, grants):
    with pytest.raises(PermissionDenied):
        new_ticket(cast, author=cast.outsider)  # a teacher of Y, in X


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_the_whole_lifecycle_writes_one_event_per_step_and_never_updates_one(
    cast, grants, op, django_capture_on_commit_callbacks
):
    ticket = new_ticket(cast)
    with CaptureQueriesContext(connection) as queries:
        acknowledge_ticket(actor=cast.head, ticket=ticket, text="Je regarde.")
        comment_ticket(actor=cast.pupil, ticket=ticket, text="Merci !")
        with django_capture_on_commit_callbacks(execute=True):
            escalate_ticket(actor=cast.head, ticket=ticket, text="Problème du projet.")
        resolve_ticket(actor=op, ticket=ticket, text="Corrigé.")
        reopen_ticket(actor=cast.pupil, ticket=ticket, text="Toujours blanc.")
        resolve_ticket(actor=op, ticket=ticket)
        close_ticket(actor=cast.pupil, ticket=ticket)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level) == (Status.CLOSED, SupportLevel.PROJECT)
    history = list(
        ticket.events.order_by("at", "pk").values_list("kind", "old_status", "new_status")
    )
    assert history == [
        (EventKind.STATUS, "", Status.NEW),
        (EventKind.STATUS, Status.NEW, Status.ACKNOWLEDGED),
        (EventKind.COMMENT, "", ""),
        (EventKind.ESCALATION, Status.ACKNOWLEDGED, Status.ESCALATED),
        (EventKind.STATUS, Status.ESCALATED, Status.RESOLVED),
        (EventKind.STATUS, Status.RESOLVED, Status.ESCALATED),
        (EventKind.STATUS, Status.ESCALATED, Status.RESOLVED),
        (EventKind.STATUS, Status.RESOLVED, Status.CLOSED),
    ]
    # The history is append-only: no action ever updates or deletes an event row.
    table = TicketEvent._meta.db_table
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if table in query["sql"] and query["sql"].lstrip().upper().startswith(("UPDATE", "DELETE"))
    ]
    assert writes == []
    actions = set(
        AuditEvent.objects.filter(target_id=str(ticket.pk)).values_list("action", flat=True)
    )
    assert {
        "support.ticket.acknowledge",
        "support.ticket.escalate",
        "support.ticket.close",
    } <= actions


def test_acknowledging_assigns_the_ticket_and_escalating_frees_it(cast, grants, ticket):
    acknowledge_ticket(actor=cast.school_admin, ticket=ticket)
    ticket.refresh_from_db()
    assert ticket.assigned_to == cast.school_admin
    escalate_ticket(actor=cast.school_admin, ticket=ticket)
    ticket.refresh_from_db()
    assert (ticket.assigned_to, ticket.status) == (None, Status.ESCALATED)


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_escalation_emails_every_operator_after_commit(
    cast, grants, ticket, op, django_capture_on_commit_callbacks
):
    from .factories import operator

    operator(email="")  # an operator without an address is skipped
    operator(email="gone@example.org", is_active=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalate_ticket(
            actor=cast.head,
            ticket=ticket,
            text="Dépasse l'établissement.",
            site_url="https://ent.example/",
        )
    assert not [m for m in mail.outbox if "support@example.org" in m.to]
    for callback in callbacks:
        callback()
    sent = [m for m in mail.outbox if m.to == ["support@example.org"]]
    assert len(sent) == 1
    # The number, whatever the wording of the catalogue ("#1", "n° 1"), and the subject.
    assert re.search(rf"\b{ticket.pk}\b", str(sent[0].subject))
    assert ticket.subject in sent[0].subject
    assert f"https://ent.example/aide/demandes/{ticket.pk}/" in sent[0].body
    # Personal data minimisation: the description stays in the ENT.
    assert ticket.description not in sent[0].body


def test_escalation_without_operators_sends_nothing(
    cast, grants, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        escalate_ticket(actor=cast.head, ticket=ticket)
    assert mail.outbox == []


def test_the_author_is_notified_of_each_status_change_but_not_of_their_own(cast, grants, ticket):
    acknowledge_ticket(actor=cast.head, ticket=ticket)
    close_ticket(actor=cast.pupil, ticket=ticket)
    notes = list(Notification.objects.filter(recipient=cast.pupil))
    assert len(notes) == 1
    assert notes[0].kind == "support.ticket_status"
    assert notes[0].url == f"/aide/demandes/{ticket.pk}/"
    assert re.search(rf"\b{ticket.pk}\b", notes[0].title)


def test_a_pupil_may_not_acknowledge_escalate_or_resolve(cast, grants, ticket):
    for action in (acknowledge_ticket, escalate_ticket, resolve_ticket):
        with pytest.raises(PermissionDenied):
            action(actor=cast.pupil, ticket=ticket)
    assert ticket.events.count() == 1


def test_a_referent_of_another_school_may_do_nothing(cast, grants, ticket):
    from .factories import person_in

    other_head = person_in(cast.other_school, "DIR")
    for action in (acknowledge_ticket, resolve_ticket, close_ticket):
        with pytest.raises(PermissionDenied):
            action(actor=other_head, ticket=ticket)
    with pytest.raises(PermissionDenied):
        comment_ticket(actor=other_head, ticket=ticket, text="Bonjour")


def test_level_two_belongs_to_operators(cast, grants, ticket, op):
    escalate_ticket(actor=cast.head, ticket=ticket)
    with pytest.raises(PermissionDenied):
        resolve_ticket(actor=cast.head, ticket=ticket)
    resolve_ticket(actor=op, ticket=ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_a_closed_ticket_takes_no_comment_until_reopened(cast, grants, ticket):
    close_ticket(actor=cast.pupil, ticket=ticket)
    with pytest.raises(PermissionDenied):
        comment_ticket(actor=cast.pupil, ticket=ticket, text="Encore moi")
    with pytest.raises(PermissionDenied):
        close_ticket(actor=cast.head, ticket=ticket)
    reopen_ticket(actor=cast.head, ticket=ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
    comment_ticket(actor=cast.pupil, ticket=ticket, text="Encore moi")


def test_a_blank_comment_is_refused(cast, grants, ticket):
    with pytest.raises(ValidationError):
        comment_ticket(actor=cast.pupil, ticket=ticket, text="  ")


@pytest.mark.sdet("SOC-SUP-ASU-04")
def test_the_project_owner_may_read_but_never_write(cast, grants, ticket, officer):
    assert Ticket.objects.visible_to(officer).filter(pk=ticket.pk).exists()
    for action in (acknowledge_ticket, escalate_ticket, resolve_ticket, close_ticket):
        with pytest.raises(PermissionDenied):
            action(actor=officer, ticket=ticket)
    with pytest.raises(PermissionDenied):
        comment_ticket(actor=officer, ticket=ticket, text="Vu.")
    assert ticket.events.count() == 1
