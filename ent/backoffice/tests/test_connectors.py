"""The connectors page: the head of school, data controller, approves or disables the outside
services registered for the school; the school's administrators see them."""

from __future__ import annotations

import pytest

from ent.audit.models import AuditEvent
from ent.rights.models import ServiceGrant
from ent.rights.queries import has_service, services_for
from ent.sso.actions import register_service
from ent.sso.models import Protocol, Service

from .factories import french, page

pytestmark = pytest.mark.django_db


def _connector(school, name="Vie scolaire", code="vie_scolaire_test"):
    return register_service(
        actor=None,
        protocol=Protocol.CAS,
        name=name,
        url_pattern=r"https://vs\.example\.org/.*",
        attributes=["profiles", "schools"],
        code=code,
        school=school,
    )


def test_the_page_lists_the_connectors_of_the_school_only(client, cast, defaults):
    mine = _connector(cast.school)
    _connector(cast.other_school, name="Autre", code="autre_test")
    client.force_login(cast.school_admin)
    response = client.get(page("connectors", cast.school))
    assert response.context["connectors"] == [mine]
    assert b'data-state="waiting"' in response.content


@pytest.mark.sdet("SOC-SEC-PII-03")
def test_the_head_approves_a_connector_for_pupils_then_disables_it(client, cast, defaults):
    service = _connector(cast.school)
    assert not has_service(cast.pupil, "vie_scolaire_test")
    client.force_login(cast.head)
    url = page("connector-approve", cast.school, service_id=service.pk)
    assert client.post(url, {"profiles": ["ELV"]}).status_code == 302
    service.refresh_from_db()
    assert service.is_approved
    assert service.approved_by == cast.head
    grant = ServiceGrant.objects.get(service="vie_scolaire_test")
    assert (grant.profile, grant.school) == ("ELV", cast.school)
    assert has_service(cast.pupil, "vie_scolaire_test")
    assert "vie_scolaire_test" in {item.code for item in services_for(cast.pupil)}
    assert not has_service(cast.teacher, "vie_scolaire_test")
    url = page("connector-disable", cast.school, service_id=service.pk)
    assert client.post(url).status_code == 302
    service.refresh_from_db()
    assert not service.is_approved
    # The grant stays on record, but the launcher no longer offers a disabled connector.
    assert "vie_scolaire_test" not in {item.code for item in services_for(cast.pupil)}
    actions = list(
        AuditEvent.objects.filter(target_id=str(service.pk), action__startswith="sso.service")
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("sso.service.register", "platform"),
        ("sso.service.approve", "marc.bernard"),
        ("sso.service.disable", "marc.bernard"),
    ]


def test_a_school_administrator_may_neither_approve_nor_disable(client, cast, defaults):
    service = _connector(cast.school)
    client.force_login(cast.school_admin)
    url = page("connector-approve", cast.school, service_id=service.pk)
    response = client.post(url, {"profiles": ["ELV"]})
    assert response.status_code == 403
    assert [str(message) for message in response.context["messages"]] == [
        french("Only the head of the school or an operator may approve it.")
    ]
    service.refresh_from_db()
    assert not service.is_approved
    Service.objects.filter(pk=service.pk).update(approved_at=service.created_at)
    url = page("connector-disable", cast.school, service_id=service.pk)
    assert client.post(url).status_code == 403
    service.refresh_from_db()
    assert service.is_enabled


def test_approving_needs_at_least_one_profile(client, cast, defaults):
    service = _connector(cast.school)
    client.force_login(cast.head)
    url = page("connector-approve", cast.school, service_id=service.pk)
    assert client.post(url, {}).status_code == 422
    service.refresh_from_db()
    assert not service.is_approved


def test_a_connector_of_another_school_answers_404(client, cast, defaults):
    other = _connector(cast.other_school, name="Autre", code="autre_test")
    client.force_login(cast.head)
    url = page("connector-approve", cast.school, service_id=other.pk)
    assert client.post(url, {"profiles": ["ELV"]}).status_code == 404
    url = page("connector-disable", cast.school, service_id=other.pk)
    assert client.post(url).status_code == 404


def test_the_list_of_connectors_costs_the_same_whatever_its_length(
    client, cast, defaults, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(2):
        _connector(cast.school, name=f"S{number}", code=f"s_{number}")
    client.force_login(cast.head)
    client.get(page("connectors", cast.school))
    with CaptureQueriesContext(connection) as first:
        assert len(client.get(page("connectors", cast.school)).context["connectors"]) == 2
    for number in range(2, 6):
        _connector(cast.school, name=f"S{number}", code=f"s_{number}")
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(page("connectors", cast.school)).context["connectors"]) == 6
