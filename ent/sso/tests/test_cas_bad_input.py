"""Bad input on the validation endpoints: each refused with the specification's own error code,
audited with its reason, and never a 500. Answers are read with python-cas's own parsers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from cas import CASClient, CASClientV3, CASClientWithSAMLV1
from django.db import connection
from django.test import Client
from django.utils import timezone

from ent.audit.models import AuditEvent, Outcome
from ent.sso.actions import disable_service
from ent.sso.models import CasTicket

from .cas_support import APP, OTHER_APP, add_service, failure_code, get_ticket, sign_in

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/cas/serviceValidate", "/cas/proxyValidate", "/cas/p3/serviceValidate"]


@pytest.fixture
def app(db):
    return add_service("App", r"https://app\.example\.org/.*", attributes=("first_name",))


@pytest.fixture
def ticket(client, cast, app):
    return get_ticket(sign_in(client, cast.pupil), APP)


def _validate(client, ticket, service=APP, endpoint="/cas/p3/serviceValidate", **more):
    return client.get(endpoint, {"service": service, "ticket": ticket, **more})


def _refusal() -> AuditEvent:
    return AuditEvent.objects.filter(action="sso.cas.ticket.refuse").latest("pk")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_forged_ticket_is_refused_as_invalid_ticket(client, app, endpoint):
    response = _validate(client, "ST-forged-" + "x" * 30, endpoint=endpoint)
    assert response.status_code == 200
    assert failure_code(response.content) == "INVALID_TICKET"
    assert CASClientV3.verify_response(response.content)[0] is None
    refusal = _refusal()
    assert (refusal.outcome, refusal.actor) == (Outcome.FAILURE, None)
    assert refusal.data["reason"] == "ticket not recognized"


def test_forged_ticket_gets_no_on_cas1(client, app):
    response = client.get("/cas/validate", {"service": APP, "ticket": "ST-forged"})
    assert response.content == b"no\n"


def test_expired_ticket_is_refused(client, cast, app, ticket):
    later = timezone.now() + timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        response = _validate(client, ticket)
    assert failure_code(response.content) == "INVALID_TICKET"
    assert _refusal().data["reason"] == "ticket expired"
    assert _refusal().actor == cast.pupil


def test_ticket_is_still_valid_just_before_it_expires(client, app, ticket):
    with time_machine.travel(timezone.now() + timedelta(seconds=55), tick=False):
        response = _validate(client, ticket)
    assert failure_code(response.content) is None


def test_reused_ticket_is_refused(client, app, ticket):
    assert failure_code(_validate(client, ticket).content) is None
    response = _validate(client, ticket)
    assert failure_code(response.content) == "INVALID_TICKET"
    assert _refusal().data["reason"] == "ticket already used"


@pytest.mark.sdet("SOC-SEC-PII-06", "SOC-SEC-PII-07")
def test_ticket_presented_by_another_service_is_refused_and_burnt(client, app, ticket):
    add_service("Other", r"https://other\.example\.org/.*")
    response = _validate(client, ticket, service=OTHER_APP)
    assert failure_code(response.content) == "INVALID_SERVICE"
    assert _refusal().data["service_url"] == OTHER_APP
    # INVALID_SERVICE burns the ticket (spec §2.5.3): its own service cannot use it any more.
    assert failure_code(_validate(client, ticket).content) == "INVALID_TICKET"


def test_ticket_is_bound_to_the_exact_service_url(client, app, ticket):
    response = _validate(client, ticket, service=APP + "other-page")
    assert failure_code(response.content) == "INVALID_SERVICE"


def test_tickets_of_a_disabled_service_stop_validating(client, app, ticket):
    disable_service(actor=None, service=app)
    response = _validate(client, ticket)
    assert failure_code(response.content) == "INVALID_SERVICE"
    assert _refusal().data["reason"] == "service is not authorised"


def test_ticket_of_a_suspended_person_is_refused(client, cast, app, ticket):
    cast.pupil.suspended_at = timezone.now()
    cast.pupil.save(update_fields=["suspended_at"])
    assert failure_code(_validate(client, ticket).content) == "INVALID_TICKET"


def test_renew_validation_refuses_a_ticket_from_single_sign_on(client, cast, app):
    sign_in(client, cast.pupil)
    get_ticket(client, APP)  # the fresh login went to this first ticket
    ticket = get_ticket(client, APP)
    response = _validate(client, ticket, renew="true")
    assert failure_code(response.content) == "INVALID_TICKET"
    assert "renew" in _refusal().data["reason"]


def test_proxy_granting_ticket_is_not_a_service_ticket(client, cast, app):
    now = timezone.now()
    CasTicket.objects.create(
        kind="PGT",
        ticket="PGT-" + "p" * 40,
        service=app,
        service_url=APP,
        person=cast.pupil,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    assert failure_code(_validate(client, "PGT-" + "p" * 40).content) == "INVALID_TICKET"


@pytest.mark.parametrize("endpoint", [*ENDPOINTS, "/cas/p3/proxyValidate"])
@pytest.mark.parametrize("missing", ["ticket", "service"])
def test_missing_parameter_is_an_invalid_request(client, app, ticket, endpoint, missing):
    params = {"service": APP, "ticket": ticket}
    del params[missing]
    response = client.get(endpoint, params)
    assert response.status_code == 200
    assert failure_code(response.content) == "INVALID_REQUEST"
    assert _refusal().data["code"] == "INVALID_REQUEST"


def test_unknown_format_is_an_invalid_request(client, app, ticket):
    response = _validate(client, ticket, format="YAML")
    assert failure_code(response.content) == "INVALID_REQUEST"


def test_saml_validate_with_a_body_that_is_not_saml_is_refused(client, app, ticket):
    response = client.post(
        f"/cas/samlValidate?TARGET={APP}", data=b"not xml at all", content_type="text/xml"
    )
    assert response.status_code == 200
    assert b'Value="samlp:Requester"' in response.content
    assert b"INVALID_REQUEST" in response.content


def test_saml_validate_refuses_an_xml_bomb(client, app):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>"
    )
    response = client.post(f"/cas/samlValidate?TARGET={APP}", data=bomb, content_type="text/xml")
    assert response.status_code == 200
    assert b"INVALID_REQUEST" in response.content


def test_saml_validate_of_a_forged_artifact_fails_for_python_cas(client, app):
    body = CASClientWithSAMLV1.get_saml_assertion("ST-forged")
    response = client.post(f"/cas/samlValidate?TARGET={APP}", data=body, content_type="text/xml")
    assert b'Value="samlp:Success"' not in response.content
    assert b"INVALID_TICKET" in response.content


def test_saml_validate_answers_the_request_id(client, cast, app, ticket):
    body = CASClientWithSAMLV1.get_saml_assertion(ticket)
    response = client.post(f"/cas/samlValidate?TARGET={APP}", data=body, content_type="text/xml")
    assert b'Value="samlp:Success"' in response.content
    assert b"InResponseTo=" in response.content
    assert f"<saml:Audience>{APP}</saml:Audience>".encode() in response.content


def test_saml_validate_takes_only_post(client, app):
    assert client.get(f"/cas/samlValidate?TARGET={APP}").status_code == 405


def test_an_unexpected_failure_is_answered_internal_error_not_500(client, app, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr("ent.sso.views_cas.validate_service_ticket", broken)
    response = _validate(client, "ST-whatever")
    assert response.status_code == 200
    assert failure_code(response.content) == "INTERNAL_ERROR"
    assert b"fire" not in response.content


@pytest.mark.django_db(transaction=True)
def test_concurrent_validations_of_one_ticket_let_exactly_one_succeed(live_server, cast, app):
    if connection.vendor == "sqlite":
        pytest.skip("the live server shares one in-memory SQLite connection between its threads")
    ticket = get_ticket(sign_in(Client(), cast.pupil), APP)
    users: list[str | None] = []
    start = threading.Barrier(6)

    def validate() -> None:
        client = CASClient(version=2, server_url=live_server.url + "/cas/", service_url=APP)
        start.wait()
        users.append(client.verify_ticket(ticket)[0])

    threads = [threading.Thread(target=validate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(users) == 6
    assert len([user for user in users if user]) == 1
    assert AuditEvent.objects.filter(action="sso.cas.ticket.validate").count() == 1
    assert AuditEvent.objects.filter(action="sso.cas.ticket.refuse").count() == 5
