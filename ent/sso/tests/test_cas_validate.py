"""Ticket validation as services see it, through the real client library python-cas speaking
HTTP to a live server: CAS 1.0, 2.0, 3.0 (attributes) and SAML 1.1, then the JSON format."""

from __future__ import annotations

import json

import pytest
from cas import CASClient
from django.test import Client

from ent.audit.models import AuditEvent
from ent.directory.models import ExternalId, Source
from ent.sso.models import CasTicket, ServiceSubject
from ent.sso.queries import person_for_subject

from .cas_support import (
    APP,
    OTHER_APP,
    add_service,
    browser_logged_in,
    get_ticket,
    sign_in,
    ticket_in,
)

pytestmark = pytest.mark.django_db(transaction=True)

ATTRIBUTES = ("first_name", "last_name", "profiles", "schools", "classes", "email")


@pytest.fixture
def app(transactional_db):
    return add_service("App", r"https://app\.example\.org/.*", attributes=ATTRIBUTES)


@pytest.fixture
def signed_in(cast):
    return sign_in(Client(), cast.pupil)


def _client(live_server, version, service_url=APP):
    return CASClient(version=version, server_url=live_server.url + "/cas/", service_url=service_url)


def test_cas1_client_verifies_a_ticket(live_server, cast, app, signed_in):
    ticket = get_ticket(signed_in, APP)
    user, attributes, pgt_iou = _client(live_server, 1).verify_ticket(ticket)
    assert user == ServiceSubject.objects.get(person=cast.pupil, service=app).value
    assert (attributes, pgt_iou) == (None, None)


def test_cas2_client_verifies_a_ticket_without_attributes(live_server, cast, app, signed_in):
    ticket = get_ticket(signed_in, APP)
    user, attributes, pgt_iou = _client(live_server, 2).verify_ticket(ticket)
    assert user == ServiceSubject.objects.get(person=cast.pupil, service=app).value
    assert attributes is None
    assert pgt_iou is None


@pytest.mark.sdet("SOC-SEC-PII-02", "SOC-INT-ASE-04")
def test_cas3_client_receives_the_registered_attributes_and_the_proof_of_authentication(
    live_server, cast, app
):
    from ent.directory.models import Enrolment

    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    browser = browser_logged_in(live_server.url, cast.pupil)
    answer = browser.get(
        live_server.url + "/cas/login", params={"service": APP}, allow_redirects=False
    )
    user, attributes, _ = _client(live_server, 3).verify_ticket(
        ticket_in(answer.headers["Location"])
    )
    assert user == ServiceSubject.objects.get(person=cast.pupil, service=app).value
    assert attributes["first_name"] == "Léa"
    assert attributes["last_name"] == "Petit"
    assert attributes["profiles"] == "ELV"
    assert attributes["schools"] == "0000001B"
    assert attributes["classes"] == "0000001B$3A"
    assert "email" not in attributes  # registered, but Léa has none: nothing is invented
    assert attributes["authenticationMethod"] == "PASSWORD"
    assert attributes["authenticationLevel"] == "1"
    assert attributes["isFromNewLogin"] == "true"
    assert attributes["longTermAuthenticationRequestTokenUsed"] == "false"
    assert attributes["authenticationDate"].startswith("20")
    released = set(attributes) - {
        "authenticationDate",
        "authenticationMethod",
        "authenticationLevel",
        "isFromNewLogin",
        "longTermAuthenticationRequestTokenUsed",
    }
    assert released <= set(ATTRIBUTES)
    assert "login" not in attributes
    assert "lea.petit" not in json.dumps(attributes)


@pytest.mark.sdet("SOC-INT-ASE-04")
def test_a_service_receives_only_the_attributes_it_is_registered_for(live_server, cast):
    add_service("Narrow", r"https://narrow\.example\.org/", attributes=("profiles",))
    ExternalId.objects.create(person=cast.pupil, source=Source.AAF, value="2000000")
    ticket = get_ticket(sign_in(Client(), cast.pupil), "https://narrow.example.org/")
    client = _client(live_server, 3, "https://narrow.example.org/")
    _, attributes, _ = client.verify_ticket(ticket)
    assert set(attributes) == {
        "profiles",
        "authenticationDate",
        "authenticationMethod",
        "authenticationLevel",
        "isFromNewLogin",
        "longTermAuthenticationRequestTokenUsed",
    }
    release = AuditEvent.objects.get(action="sso.attributes.release")
    assert release.data["attributes"] == ["profiles", "subject"]


def test_second_ticket_of_a_session_is_not_from_a_new_login(live_server, cast, app, signed_in):
    get_ticket(signed_in, APP)
    ticket = get_ticket(signed_in, APP)
    _, attributes, _ = _client(live_server, 3).verify_ticket(ticket)
    assert attributes["isFromNewLogin"] == "false"


def test_saml11_client_receives_the_subject_and_the_attributes(live_server, cast, app, signed_in):
    ticket = get_ticket(signed_in, APP)
    user, attributes, _ = _client(live_server, "CAS_2_SAML_1_0").verify_ticket(ticket)
    assert user == ServiceSubject.objects.get(person=cast.pupil, service=app).value
    assert attributes["first_name"] == "Léa"
    assert attributes["profiles"] == "ELV"
    assert attributes["authenticationMethod"] == "PASSWORD"
    assert attributes["longTermAuthenticationRequestTokenUsed"] == "false"


def test_saml11_releases_no_registered_attribute_to_a_plain_http_target(live_server, cast):
    add_service("Plain", r"http://plain\.example\.org/", attributes=("first_name",))
    ticket = get_ticket(sign_in(Client(), cast.pupil), "http://plain.example.org/")
    client = _client(live_server, "CAS_2_SAML_1_0", "http://plain.example.org/")
    user, attributes, _ = client.verify_ticket(ticket)
    assert user
    assert "first_name" not in attributes
    assert attributes["authenticationMethod"] == "PASSWORD"


@pytest.mark.parametrize("version", [1, 2, 3, "CAS_2_SAML_1_0"])
def test_every_version_refuses_a_forged_ticket(live_server, app, version):
    user, _, _ = _client(live_server, version).verify_ticket("ST-" + "A" * 40)
    assert user is None
    refusal = AuditEvent.objects.get(action="sso.cas.ticket.refuse")
    assert refusal.data["code"] == "INVALID_TICKET"


@pytest.mark.parametrize("version", [1, 2, 3, "CAS_2_SAML_1_0"])
def test_every_version_refuses_a_ticket_presented_twice(live_server, app, signed_in, version):
    ticket = get_ticket(signed_in, APP)
    client = _client(live_server, version)
    assert client.verify_ticket(ticket)[0] is not None
    assert client.verify_ticket(ticket)[0] is None


@pytest.mark.sdet("SOC-SEC-PII-03")
def test_each_service_knows_the_person_by_its_own_opaque_identifier(live_server, cast, app):
    add_service("Other", r"https://other\.example\.org/.*")
    browser = browser_logged_in(live_server.url, cast.teacher)
    users = []
    for service_url in (APP, OTHER_APP):
        answer = browser.get(
            live_server.url + "/cas/login", params={"service": service_url}, allow_redirects=False
        )
        client = _client(live_server, 3, service_url)
        users.append(client.verify_ticket(ticket_in(answer.headers["Location"]))[0])
    assert users[0] != users[1]
    for user in users:
        assert len(user) == 32
        assert "agnes" not in user
        assert "dupont" not in user
        assert user != str(cast.teacher.uuid)


@pytest.mark.sdet("SOC-SEC-PII-03")
def test_the_same_service_always_gets_the_same_identifier(live_server, cast, app, signed_in):
    client = _client(live_server, 2)
    first = client.verify_ticket(get_ticket(signed_in, APP))[0]
    assert client.verify_ticket(get_ticket(signed_in, APP))[0] == first


@pytest.mark.parametrize("kind", ["LOGIN", "UUID"])
def test_a_service_registered_with_login_or_uuid_subjects_receives_it(live_server, cast, kind):
    add_service("Legacy", r"https://legacy\.example\.org/", subject=kind)
    ticket = get_ticket(sign_in(Client(), cast.pupil), "https://legacy.example.org/")
    user = _client(live_server, 2, "https://legacy.example.org/").verify_ticket(ticket)[0]
    assert user == {"LOGIN": "lea.petit", "UUID": str(cast.pupil.uuid)}[kind]


@pytest.mark.sdet("SOC-SEC-PII-04")
def test_a_propagated_identifier_and_ticket_map_back_to_the_person(
    live_server, cast, app, signed_in
):
    ticket = get_ticket(signed_in, APP)
    user = _client(live_server, 2).verify_ticket(ticket)[0]
    assert person_for_subject(app, user) == cast.pupil
    assert CasTicket.objects.get(ticket=ticket).person == cast.pupil


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_one_persons_chain_of_sso_events_can_be_rebuilt_from_the_audit_trail(
    live_server, cast, app
):
    browser = browser_logged_in(live_server.url, cast.pupil)
    answer = browser.get(
        live_server.url + "/cas/login", params={"service": APP}, allow_redirects=False
    )
    ticket = ticket_in(answer.headers["Location"])
    client = _client(live_server, 3)
    client.verify_ticket(ticket)
    client.verify_ticket(ticket)
    browser.get(live_server.url + "/cas/logout", allow_redirects=False)
    chain = list(
        AuditEvent.objects.filter(actor=cast.pupil)
        .order_by("at", "pk")
        .values_list("action", "outcome", "target_label")
    )
    actions = [action for action, _, _ in chain]
    expected = [
        "identity.session.start",
        "sso.cas.ticket.issue",
        "sso.cas.ticket.validate",
        "sso.attributes.release",
        "sso.cas.ticket.refuse",
        "identity.session.end",
        "sso.service.logout",
    ]
    positions = [actions.index(action) for action in expected]
    assert positions == sorted(positions), chain
    for action, outcome, target in chain:
        if action.startswith("sso.cas"):
            assert target == "App (CAS)"
        if action == "sso.cas.ticket.refuse":
            assert outcome == "FAILURE"
    for event in AuditEvent.objects.filter(actor=cast.pupil):
        assert event.at is not None
        assert event.actor_label == "lea.petit"


def test_json_format_answers_success_with_attributes(client, cast, app):
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    response = client.get(
        "/cas/p3/serviceValidate", {"service": APP, "ticket": ticket, "format": "JSON"}
    )
    assert response["Content-Type"] == "application/json"
    success = response.json()["serviceResponse"]["authenticationSuccess"]
    assert success["user"] == ServiceSubject.objects.get(person=cast.pupil).value
    assert success["attributes"]["first_name"] == ["Léa"]
    assert success["attributes"]["authenticationMethod"] == ["PASSWORD"]


def test_json_format_answers_failure_with_the_code(client, app):
    response = client.get(
        "/cas/serviceValidate", {"service": APP, "ticket": "ST-forged", "format": "json"}
    )
    failure = response.json()["serviceResponse"]["authenticationFailure"]
    assert failure["code"] == "INVALID_TICKET"
    assert failure["description"]


def test_cas2_endpoints_release_no_attributes(client, cast, app):
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    response = client.get("/cas/serviceValidate", {"service": APP, "ticket": ticket})
    assert b"cas:attributes" not in response.content
    assert b"<cas:user>" in response.content
