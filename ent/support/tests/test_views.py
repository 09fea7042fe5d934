"""The support pages: the matrix of every view (anonymous, outsider, not allowed, allowed), the
référent's queue and its query count, and the project owner's read-only access."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.support.actions import escalate_ticket
from ent.support.models import Status, Ticket, TicketEvent

from .factories import new_ticket, person_in

pytestmark = pytest.mark.django_db


def _detail(ticket: Ticket) -> str:
    return reverse("support:ticket-detail", args=[ticket.pk])


def _post(client, name: str, ticket: Ticket, **data: str):
    return client.post(reverse(f"support:ticket-{name}", args=[ticket.pk]), data)


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_anonymous_people_are_sent_to_the_login_page(client, cast, grants, ticket):
    urls = [
        reverse("support:ticket-list"),
        reverse("support:ticket-new"),
        _detail(ticket),
        reverse("support:queue", args=[cast.school.pk]),
        reverse("support:level-two"),
        reverse("support:oversight"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response["Location"]
    assert _post(client, "acknowledge", ticket).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_an_outsider_gets_404_on_another_persons_ticket(client, cast, grants, ticket):
    client.force_login(cast.outsider)
    assert client.get(_detail(ticket)).status_code == 404
    for name in ("comment", "acknowledge", "escalate", "resolve", "close", "reopen"):
        assert _post(client, name, ticket, text="Bonjour").status_code == 404, name
    assert ticket.events.count() == 1


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_the_pupil_reads_their_ticket_but_may_not_acknowledge_it(client, cast, grants, ticket):
    client.force_login(cast.pupil)
    page = client.get(_detail(ticket)).content.decode()
    assert 'id="comment-form"' in page
    assert 'id="do-acknowledge"' not in page
    assert 'id="do-close"' in page
    assert _post(client, "acknowledge", ticket).status_code == 403
    assert _post(client, "escalate", ticket).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_the_referent_takes_the_ticket_in_hand_and_the_author_reads_the_history(
    client, cast, grants, ticket
):
    client.force_login(cast.head)
    page = client.get(_detail(ticket))
    assert page.status_code == 200
    assert 'id="do-acknowledge"' in page.content.decode()
    response = _post(client, "acknowledge", ticket, text="Je m'en occupe.")
    assert response.status_code == 302
    assert response["Location"] == _detail(ticket)
    client.force_login(cast.pupil)
    page = client.get(_detail(ticket)).content.decode()
    assert 'data-status="ACKNOWLEDGED"' in page
    assert "Je m&#x27;en occupe." in page
    assert page.count('<li data-kind="') == 2


def test_a_comment_goes_into_the_history(client, cast, grants, ticket):
    client.force_login(cast.pupil)
    response = _post(client, "comment", ticket, text="La page reste blanche.")
    assert response.status_code == 302
    assert ticket.events.filter(kind="COMMENT", text="La page reste blanche.").exists()
    response = _post(client, "comment", ticket, text="   ")
    assert response.status_code == 302
    assert ticket.events.count() == 2


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_a_ticket_is_opened_from_the_form(client, cast, grants):
    client.force_login(cast.pupil)
    form = client.get(reverse("support:ticket-new"))
    assert form.status_code == 200
    # One school: it is chosen for the pupil.
    assert f'type="hidden" name="school" value="{cast.school.pk}"' in form.content.decode()
    sunday_night = datetime(2025, 3, 9, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(sunday_night, tick=False):
        response = client.post(
            reverse("support:ticket-new"),
            {
                "school": cast.school.pk,
                "subject": "Agenda vide",
                "category": "BUG",
                "urgency": "NORMAL",
                "description": "Mon agenda est vide.",
            },
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(ticket)
    assert (ticket.author, ticket.school, ticket.created_at) == (
        cast.pupil,
        cast.school,
        sunday_night,
    )


def test_an_invalid_form_answers_422_and_opens_nothing(client, cast, grants):
    client.force_login(cast.pupil)
    response = client.post(reverse("support:ticket-new"), {"school": cast.other_school.pk})
    assert response.status_code == 422
    assert 'id="ticket-errors"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_without_the_support_grant_the_form_is_403(client, cast, grants):
    client.force_login(cast.outsider)
    assert client.get(reverse("support:ticket-new")).status_code == 200
    from ent.rights.actions import revoke_grant
    from ent.rights.models import ServiceGrant

    revoke_grant(actor=None, grant=ServiceGrant.objects.get(service="support", profile="ENS"))
    assert client.get(reverse("support:ticket-new")).status_code == 403
    assert client.get(reverse("support:ticket-list")).status_code == 403


def test_my_requests_lists_only_mine(client, cast, grants, ticket):
    new_ticket(cast, author=cast.teacher)
    client.force_login(cast.pupil)
    page = client.get(reverse("support:ticket-list")).content.decode()
    assert page.count("<tr data-ticket=") == 1
    assert f'data-ticket="{ticket.pk}"' in page


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_the_queue_is_for_the_schools_referents(client, cast, grants, ticket):
    url = reverse("support:queue", args=[cast.school.pk])
    for person in (cast.pupil, cast.teacher, cast.outsider):
        client.force_login(person)
        assert client.get(url).status_code == 403
    client.force_login(cast.school_admin)
    response = client.get(url)
    assert response.status_code == 200
    assert f'data-ticket="{ticket.pk}"' in response.content.decode()


def test_the_queue_filters_by_status(client, cast, grants, ticket):
    done = new_ticket(cast, subject="Réglé")
    Ticket.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    client.force_login(cast.head)
    url = reverse("support:queue", args=[cast.school.pk])
    open_page = client.get(url).content.decode()
    assert f'data-ticket="{ticket.pk}"' in open_page
    assert f'data-ticket="{done.pk}"' not in open_page
    closed_page = client.get(url, {"status": "CLOSED"}).content.decode()
    assert f'data-ticket="{done.pk}"' in closed_page
    assert f'data-ticket="{ticket.pk}"' not in closed_page
    everything = client.get(url, {"status": "ALL"}).content.decode()
    assert everything.count("<tr data-ticket=") == 2
    # A made-up status falls back to the open requests.
    assert client.get(url, {"status": "BOGUS"}).content.decode().count("<tr data-ticket=") == 1


def test_the_queue_costs_the_same_queries_whatever_its_length(
    client, cast, grants, django_assert_num_queries
):
    url = reverse("support:queue", args=[cast.school.pk])
    new_ticket(cast)
    client.force_login(cast.head)
    client.get(url)  # the first request after login writes the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for author in (cast.teacher, cast.guardian, cast.head, cast.school_admin) * 3:
        new_ticket(cast, author=author)
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert response.content.decode().count("<tr data-ticket=") == 13


def test_my_requests_cost_the_same_queries_whatever_their_number(
    client, cast, grants, django_assert_num_queries
):
    url = reverse("support:ticket-list")
    new_ticket(cast)
    client.force_login(cast.pupil)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(6):
        new_ticket(cast)
    with django_assert_num_queries(len(one)):
        client.get(url)


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_the_level_two_queue_is_for_operators(client, cast, grants, ticket, op):
    url = reverse("support:level-two")
    client.force_login(cast.head)
    assert client.get(url).status_code == 403
    escalate_ticket(actor=cast.head, ticket=ticket)
    client.force_login(op)
    page = client.get(url)
    assert page.status_code == 200
    assert f'data-ticket="{ticket.pk}"' in page.content.decode()
    assert _post(client, "resolve", ticket, text="Corrigé").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


@pytest.mark.sdet("SOC-SUP-ASU-04")
def test_the_project_owner_reads_every_ticket_but_may_not_write(
    client, cast, grants, ticket, officer
):
    client.force_login(officer)
    listing = client.get(reverse("support:oversight"))
    assert listing.status_code == 200
    assert f'data-ticket="{ticket.pk}"' in listing.content.decode()
    page = client.get(_detail(ticket))
    assert page.status_code == 200
    assert 'id="read-only"' in page.content.decode()
    assert 'id="comment-form"' not in page.content.decode()
    for name in ("comment", "acknowledge", "escalate", "resolve", "close"):
        assert _post(client, name, ticket, text="Vu").status_code == 403, name
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_oversight_is_403_without_its_grant(client, cast, grants):
    client.force_login(cast.head)
    assert client.get(reverse("support:oversight")).status_code == 403


def test_a_referent_of_another_school_gets_404_on_the_ticket(client, cast, grants, ticket):
    client.force_login(person_in(cast.other_school, "DIR"))
    assert client.get(_detail(ticket)).status_code == 404


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_every_support_view_is_gated(db):
    from ent.rights.testing import ungated_views

    assert [route for route in ungated_views() if route.startswith("aide/")] == []
