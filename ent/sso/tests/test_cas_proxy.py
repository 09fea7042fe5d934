"""Proxy authentication: a proxy-granting ticket delivered to a callback (a tiny HTTP server on
127.0.0.1), proxy tickets from /cas/proxy, their validation with the proxy chain, and each
refusal with its code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import time_machine
from cas import CASClient
from defusedxml import ElementTree
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.sso.models import CasTicket, ServiceSubject

from .cas_support import (
    APP,
    CAS,
    add_service,
    failure_code,
    get_ticket,
    local_service,
    sign_in,
)

BACKEND = "https://backend.example.org/api"
THIRD = "https://third.example.org/"


@pytest.fixture
def services(db):
    app = add_service("App", r"https://app\.example\.org/.*", attributes=("first_name",))
    callbacks = add_service("Local callbacks", r"http://127\.0\.0\.1:\d+/.*")
    backend = add_service("Backend", r"https://backend\.example\.org/.*", attributes=("profiles",))
    return app, callbacks, backend


@pytest.fixture
def callback():
    with local_service() as service:
        yield service


def _pgt_for(client, callback, ticket, endpoint="/cas/serviceValidate", service=APP):
    """Validate `ticket` asking for a PGT; return the PGT the callback received, and the IOU.
    Services call CAS without the person's cookies: a fresh client stands for them."""
    response = Client().get(
        endpoint, {"service": service, "ticket": ticket, "pgtUrl": callback.url + "/cb?x=1"}
    )
    assert failure_code(response.content) is None, response.content
    iou = ElementTree.fromstring(response.content).find(f".//{CAS}proxyGrantingTicket").text
    received = callback.received[-1]
    assert received.method == "GET"
    assert received.query["x"] == ["1"]  # the callback's own parameters are kept
    assert received.query["pgtIou"] == [iou]
    return received.query["pgtId"][0], iou


def _proxy(client, pgt, target=BACKEND):
    return Client().get("/cas/proxy", {"pgt": pgt, "targetService": target})


def _proxy_ticket(response) -> str:
    return ElementTree.fromstring(response.content).find(f".//{CAS}proxyTicket").text


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("SOC-SEC-PII-02")
def test_proxy_flow_with_python_cas_from_ticket_to_back_end(live_server, cast, services, callback):
    _, _, backend = services
    ticket = get_ticket(sign_in(Client(), cast.pupil), APP)
    front = CASClient(
        version=2,
        server_url=live_server.url + "/cas/",
        service_url=APP,
        proxy_callback=callback.url + "/cb",
    )
    user, _, iou = front.verify_ticket(ticket)
    assert user
    assert iou.startswith("PGTIOU-")
    received = callback.received[0].query
    assert received["pgtIou"] == [iou]
    pgt = received["pgtId"][0]
    assert pgt.startswith("PGT-")

    back = CASClient(version=3, server_url=live_server.url + "/cas/", service_url=BACKEND)
    proxy_ticket = back.get_proxy_ticket(pgt)
    assert proxy_ticket.startswith("PT-")
    back.url_suffix = "p3/proxyValidate"
    back_user, attributes, _ = back.verify_ticket(proxy_ticket)
    assert back_user == ServiceSubject.objects.get(person=cast.pupil, service=backend).value
    assert back_user != user  # each service its own identifier, also through a proxy
    assert attributes["profiles"] == "ELV"
    assert "first_name" not in attributes
    assert AuditEvent.objects.filter(action="sso.cas.pgt.issue", actor=cast.pupil).exists()
    assert AuditEvent.objects.get(action="sso.cas.proxy.grant").target_label == "Backend (CAS)"


@pytest.mark.django_db
def test_proxy_validation_lists_the_proxy_chain_most_recent_first(client, cast, services, callback):
    sign_in(client, cast.pupil)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    add_service("Third", r"https://third\.example\.org/")
    proxy_ticket = _proxy_ticket(_proxy(client, pgt))
    second_pgt, _ = _pgt_for(
        client, callback, proxy_ticket, endpoint="/cas/proxyValidate", service=BACKEND
    )
    third_ticket = _proxy_ticket(_proxy(client, second_pgt, THIRD))
    response = client.get("/cas/proxyValidate", {"service": THIRD, "ticket": third_ticket})
    proxies = [p.text for p in ElementTree.fromstring(response.content).iter(f"{CAS}proxy")]
    assert proxies == [callback.url + "/cb?x=1", callback.url + "/cb?x=1"]
    chain = CasTicket.objects.get(ticket=third_ticket)
    assert chain.granted_by.ticket == second_pgt
    assert chain.granted_by.granted_by.granted_by.ticket == pgt


@pytest.mark.django_db
def test_proxy_ticket_is_refused_by_service_validate(client, cast, services, callback):
    sign_in(client, cast.pupil)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    proxy_ticket = _proxy_ticket(_proxy(client, pgt))
    response = client.get("/cas/serviceValidate", {"service": BACKEND, "ticket": proxy_ticket})
    assert failure_code(response.content) == "INVALID_TICKET_SPEC"
    response = client.get("/cas/validate", {"service": BACKEND, "ticket": proxy_ticket})
    assert response.content == b"no\n"


@pytest.mark.django_db
def test_proxy_answers_json_when_asked(client, cast, services, callback):
    sign_in(client, cast.pupil)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    response = client.get("/cas/proxy", {"pgt": pgt, "targetService": BACKEND, "format": "JSON"})
    success = response.json()["serviceResponse"]["proxySuccess"]
    assert success["proxyTicket"].startswith("PT-")


@pytest.mark.django_db
@pytest.mark.sdet("SOC-SEC-PII-07")
def test_plain_http_callback_outside_the_loopback_is_refused(client, cast, services):
    add_service("Plain", r"http://plain\.example\.org/.*")
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    response = client.get(
        "/cas/serviceValidate",
        {"service": APP, "ticket": ticket, "pgtUrl": "http://plain.example.org/cb"},
    )
    assert failure_code(response.content) == "INVALID_PROXY_CALLBACK"
    assert not CasTicket.objects.filter(kind="PGT").exists()


@pytest.mark.django_db
def test_loopback_http_callback_is_refused_when_not_allowed(
    client, cast, services, callback, settings
):
    settings.ENT_CAS_ALLOW_HTTP_CALLBACK = False
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    response = client.get(
        "/cas/serviceValidate", {"service": APP, "ticket": ticket, "pgtUrl": callback.url + "/cb"}
    )
    assert failure_code(response.content) == "INVALID_PROXY_CALLBACK"
    assert callback.received == []


@pytest.mark.django_db
@pytest.mark.sdet("SOC-SEC-PII-06")
def test_callback_outside_the_registry_is_an_unauthorized_proxy(client, cast, services):
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    response = client.get(
        "/cas/serviceValidate",
        {"service": APP, "ticket": ticket, "pgtUrl": "https://evil.example.com/cb"},
    )
    assert failure_code(response.content) == "UNAUTHORIZED_SERVICE_PROXY"
    refusal = AuditEvent.objects.get(action="sso.cas.ticket.refuse")
    assert refusal.actor == cast.pupil


@pytest.mark.django_db
def test_callback_that_does_not_answer_200_gets_no_pgt(client, cast, services, callback):
    callback.status = 404
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    response = client.get(
        "/cas/serviceValidate", {"service": APP, "ticket": ticket, "pgtUrl": callback.url + "/cb"}
    )
    assert failure_code(response.content) == "INVALID_PROXY_CALLBACK"
    assert b"proxyGrantingTicket" not in response.content
    assert not CasTicket.objects.filter(kind="PGT").exists()
    refusal = AuditEvent.objects.get(action="sso.cas.proxy.refuse")
    assert "HTTP 404" in refusal.data["reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{}, {"pgt": "PGT-x"}, {"targetService": BACKEND}],
    ids=["none", "no-target", "no-pgt"],
)
def test_proxy_without_its_parameters_is_an_invalid_request(client, services, params):
    response = client.get("/cas/proxy", params)
    assert response.status_code == 200
    assert failure_code(response.content) == "INVALID_REQUEST"


@pytest.mark.django_db
def test_forged_pgt_gets_no_proxy_ticket(client, services):
    response = _proxy(client, "PGT-" + "f" * 40)
    assert failure_code(response.content) == "INVALID_TICKET"
    assert AuditEvent.objects.get(action="sso.cas.proxy.refuse").data["code"] == "INVALID_TICKET"


@pytest.mark.django_db
def test_a_service_ticket_is_not_a_pgt(client, cast, services):
    ticket = get_ticket(sign_in(client, cast.pupil), APP)
    assert failure_code(_proxy(client, ticket).content) == "INVALID_TICKET"


@pytest.mark.django_db
def test_proxy_to_an_unregistered_service_is_unauthorized(client, cast, services, callback):
    sign_in(client, cast.pupil)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    response = _proxy(client, pgt, "https://evil.example.com/")
    assert failure_code(response.content) == "UNAUTHORIZED_SERVICE"


@pytest.mark.django_db
@pytest.mark.sdet("SOC-SEC-IAU-12")
def test_proxy_cannot_reach_a_service_needing_a_stronger_login(client, cast, services, callback):
    add_service("Marks", r"https://marks\.example\.org/", min_level=2)
    sign_in(client, cast.pupil)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    response = _proxy(client, pgt, "https://marks.example.org/")
    assert failure_code(response.content) == "UNAUTHORIZED_SERVICE"


@pytest.mark.django_db
def test_expired_pgt_gets_no_proxy_ticket(client, cast, services, callback):
    sign_in(client, cast.pupil)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    with time_machine.travel(timezone.now() + timedelta(seconds=7201), tick=False):
        assert failure_code(_proxy(client, pgt).content) == "INVALID_TICKET"


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("SOC-SEC-PII-02")
def test_logout_destroys_the_pgt(live_server, cast, services, callback):
    browser = requests.Session()
    client = sign_in(Client(), cast.pupil)
    cookie = settings.SESSION_COOKIE_NAME
    browser.cookies.set(cookie, client.cookies[cookie].value)
    pgt, _ = _pgt_for(client, callback, get_ticket(client, APP))
    assert failure_code(_proxy(client, pgt).content) is None
    browser.get(live_server.url + "/cas/logout", allow_redirects=False, timeout=10)
    assert failure_code(_proxy(client, pgt).content) == "INVALID_TICKET"
