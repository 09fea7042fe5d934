"""The support API (/api/v1/support): the same actions and visibility as the pages, with
problem documents for 401, 403, 404 and 422."""

from __future__ import annotations

import pytest

from ent.support.models import Status, Ticket

pytestmark = pytest.mark.django_db

BASE = "/api/v1/support"


def _open(client, **fields):
    payload = {
        "school_id": fields.pop("school_id"),
        "subject": "Connexion impossible",
        "description": "Mot de passe refusé.",
        "category": "ACCESS",
        **fields,
    }
    return client.post(f"{BASE}/tickets", payload, content_type="application/json")


def test_anonymous_callers_get_401_problem_documents(client, cast, grants, ticket):
    for response in (
        client.get(f"{BASE}/tickets"),
        client.get(f"{BASE}/tickets/{ticket.pk}"),
        _open(client, school_id=cast.school.pk),
    ):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_a_pupil_opens_lists_reads_and_comments_a_ticket(client, cast, grants):
    client.force_login(cast.pupil)
    created = _open(client, school_id=cast.school.pk, urgency="HIGH")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["level"], body["urgency"]) == ("NEW", 1, "HIGH")
    listed = client.get(f"{BASE}/tickets").json()
    assert [row["id"] for row in listed] == [body["id"]]
    comment = client.post(
        f"{BASE}/tickets/{body['id']}/comments", {"text": "Toujours bloqué."}, "application/json"
    )
    assert comment.status_code == 201
    assert comment.json()["kind"] == "COMMENT"
    detail = client.get(f"{BASE}/tickets/{body['id']}").json()
    assert [event["kind"] for event in detail["events"]] == ["STATUS", "COMMENT"]


def test_the_list_filters_by_status_and_pages(client, cast, grants, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    client.force_login(cast.pupil)
    assert client.get(f"{BASE}/tickets").json() == []
    assert [row["id"] for row in client.get(f"{BASE}/tickets?status=ALL").json()] == [ticket.pk]
    assert client.get(f"{BASE}/tickets?status=ALL&offset=1").json() == []
    assert client.get(f"{BASE}/tickets?limit=0").status_code == 422
    # An offset past a 64-bit integer is refused as input, not left to the database.
    response = client.get(f"{BASE}/tickets?offset={2**63}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "offset"


def test_an_outsider_gets_404_on_another_persons_ticket(client, cast, grants, ticket):
    client.force_login(cast.outsider)
    assert client.get(f"{BASE}/tickets/{ticket.pk}").status_code == 404
    response = client.post(
        f"{BASE}/tickets/{ticket.pk}/comments", {"text": "Bonjour"}, "application/json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(f"{BASE}/tickets").json() == []


def test_opening_in_a_school_that_is_not_yours_is_403(client, cast, grants):
    client.force_login(cast.pupil)
    response = _open(client, school_id=cast.other_school.pk)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert _open(client, school_id=999999).status_code == 404
    assert not Ticket.objects.exists()


def test_invalid_input_is_422(client, cast, grants):
    client.force_login(cast.pupil)
    assert _open(client, school_id=cast.school.pk, category="URGENT").status_code == 422
    assert _open(client, school_id=cast.school.pk, subject="").status_code == 422
    response = _open(client, school_id=cast.school.pk, description="   ")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not Ticket.objects.exists()


def test_a_nul_character_is_refused_as_input_and_a_multi_line_text_is_kept(
    client, cast, grants, ticket
):
    # PostgreSQL refuses NUL in text: the API answers 422 on both engines, never a 500.
    client.force_login(cast.pupil)
    response = _open(client, school_id=cast.school.pk, subject="Agenda\x00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "subject"
    response = client.post(
        f"{BASE}/tickets/{ticket.pk}/comments", {"text": "\x00"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert Ticket.objects.count() == 1
    assert ticket.events.count() == 1
    response = _open(client, school_id=cast.school.pk, description="Ligne 1\nLigne 2")
    assert response.status_code == 201
    assert Ticket.objects.get(pk=response.json()["id"]).description == "Ligne 1\nLigne 2"


def test_without_any_support_right_the_api_is_403(client, cast, grants):
    from ent.rights.actions import revoke_grant
    from ent.rights.models import ServiceGrant

    revoke_grant(actor=None, grant=ServiceGrant.objects.get(service="support", profile="ENS"))
    client.force_login(cast.outsider)
    assert client.get(f"{BASE}/tickets").status_code == 403


@pytest.mark.sdet("SOC-SUP-ASU-04")
def test_the_project_owner_reads_through_the_api_but_may_not_write(
    client, cast, grants, ticket, officer
):
    client.force_login(officer)
    assert [row["id"] for row in client.get(f"{BASE}/tickets").json()] == [ticket.pk]
    assert client.get(f"{BASE}/tickets/{ticket.pk}").status_code == 200
    response = client.post(
        f"{BASE}/tickets/{ticket.pk}/comments", {"text": "Vu."}, "application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert ticket.events.count() == 1


def test_the_list_costs_the_same_queries_whatever_its_length(
    client, cast, grants, ticket, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .factories import new_ticket

    client.force_login(cast.head)
    client.get(f"{BASE}/tickets")
    with CaptureQueriesContext(connection) as one:
        client.get(f"{BASE}/tickets")
    for _ in range(5):
        new_ticket(cast)
    with django_assert_num_queries(len(one)):
        assert len(client.get(f"{BASE}/tickets").json()) == 6
