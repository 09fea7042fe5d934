"""Connector governance (scenario 14): a new vie-scolaire connector is invisible to users until
the data controller (the head of school X) approves it for the profiles they choose; then the
ticket released to it carries only the attributes of its release policy, never a birth date or
an address; and nobody who was not given it signs in to it, through CAS, SAML or OIDC."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests
from cas import CASClient
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from ent.audit.models import AuditEvent, Outcome
from ent.rights.actions import grant_service, install_default_grants
from ent.rights.queries import services_for
from ent.sso.actions import approve_service, register_service
from ent.sso.models import Protocol, Service, ServiceSubject

from .cas_support import browser_logged_in, sign_in, ticket_in

pytestmark = pytest.mark.django_db(transaction=True)

VIE_SCOLAIRE = "https://vs.example.org/ent/"
# The release policy: the opaque identifier (always the subject), the profile and the UAI.
POLICY = ("profiles", "schools")
AUTHENTICATION = {
    "authenticationDate",
    "authenticationMethod",
    "authenticationLevel",
    "isFromNewLogin",
    "longTermAuthenticationRequestTokenUsed",
}
NOT_GRANTED = "You have not been given access to this service. Ask your school's ENT administrator."


def french(msgid: str) -> str:
    """Return what a French-speaking person reads for `msgid`, as the page escapes it."""
    with translation.override("fr"):
        return str(escape(gettext(msgid)))


@pytest.fixture
def connector(cast):
    install_default_grants(actor=None)
    return register_service(
        actor=None,
        protocol=Protocol.CAS,
        name="Vie scolaire (Collège X)",
        url_pattern=r"https://vs\.example\.org/ent/.*",
        attributes=POLICY,
        code="vie_scolaire",
        launch_url="https://vs.example.org/ent/",
        school=cast.school,
    )


def _codes(person) -> set[str]:
    return {item.code for item in services_for(person)}


def _cas_login(client: Client):
    return client.get("/cas/login", {"service": VIE_SCOLAIRE})


@pytest.mark.sdet("SOC-SEC-PII-03", "SOC-SEC-PII-02", "SOC-SEC-AUT-01", "SOC-INT-ASE-04")
def test_scenario_14_the_connector_waits_for_the_head_then_receives_only_its_policy(
    live_server, cast, connector
):
    cast.pupil.birth_date = date(2011, 4, 2)
    cast.pupil.address = "12 rue des Lilas"
    cast.pupil.save()
    # Before approval: nobody sees it, and CAS gives it no ticket.
    assert "vie_scolaire" not in _codes(cast.pupil)
    assert _cas_login(sign_in(Client(), cast.pupil)).status_code == 403
    # A teacher is not the data controller.
    with pytest.raises(PermissionDenied):
        approve_service(actor=cast.teacher, service=connector, profiles=["ELV"])
    teacher = Client()
    teacher.force_login(cast.teacher)
    approve_url = reverse(
        "backoffice:connector-approve",
        kwargs={"school_id": cast.school.pk, "service_id": connector.pk},
    )
    assert teacher.post(approve_url, {"profiles": ["ELV", "ENS"]}).status_code == 403
    connector.refresh_from_db()
    assert not connector.is_approved
    # The head approves it for pupils.
    head = Client()
    head.force_login(cast.head)
    assert head.post(approve_url, {"profiles": ["ELV"]}).status_code == 302
    connector.refresh_from_db()
    assert connector.is_approved
    access = {item.code: item for item in services_for(cast.pupil)}
    assert access["vie_scolaire"].declaration.url == "https://vs.example.org/ent/"
    assert "vie_scolaire" not in _codes(cast.teacher)

    # The pupil goes to the connector: the real CAS client validates the ticket.
    browser = browser_logged_in(live_server.url, cast.pupil)
    answer = browser.get(
        live_server.url + "/cas/login", params={"service": VIE_SCOLAIRE}, allow_redirects=False
    )
    assert answer.status_code == 302
    ticket = ticket_in(answer.headers["Location"])
    client = CASClient(version=3, server_url=live_server.url + "/cas/", service_url=VIE_SCOLAIRE)
    user, attributes, _pgt = client.verify_ticket(ticket)
    subject = ServiceSubject.objects.get(service=connector, person=cast.pupil).value
    assert user == subject
    assert cast.pupil.login not in user
    released = {name: value for name, value in attributes.items() if name not in AUTHENTICATION}
    assert released == {"profiles": "ELV", "schools": "0000001B"}
    text = json.dumps(attributes)
    for secret in ("2011", "Lilas", "lea.petit", "Petit", "birth", "address"):
        assert secret not in text

    # The XML a service reads says no more.
    browser.close()
    browser = browser_logged_in(live_server.url, cast.pupil)
    answer = browser.get(
        live_server.url + "/cas/login", params={"service": VIE_SCOLAIRE}, allow_redirects=False
    )
    xml = requests.get(
        live_server.url + "/cas/p3/serviceValidate",
        params={"service": VIE_SCOLAIRE, "ticket": ticket_in(answer.headers["Location"])},
        timeout=10,
    ).text
    assert "authenticationSuccess" in xml
    assert "2011" not in xml
    assert "Lilas" not in xml
    assert "lea.petit" not in xml
    browser.close()

    # A teacher, not given the connector, is refused at the CAS login, and the refusal audited.
    response = _cas_login(sign_in(Client(), cast.teacher))
    assert response.status_code == 403
    assert french(NOT_GRANTED).encode() in response.content
    refusal = AuditEvent.objects.get(action="sso.cas.login.refuse", actor=cast.teacher)
    assert refusal.outcome == Outcome.FAILURE
    assert refusal.data["reason"] == "service not granted"
    assert refusal.target_id == str(connector.pk)


def test_a_connector_of_school_x_is_not_given_to_the_pupils_of_school_y(cast, connector):
    from ent.directory.models import Membership, Profile, Source, User

    other_pupil = User.objects.create_user("tom.y", "secret-Passw0rd!", first_name="Tom")
    Membership.objects.create(
        person=other_pupil, school=cast.other_school, profile=Profile.ELV, source=Source.MANUAL
    )
    approve_service(actor=cast.head, service=connector, profiles=["ELV"])
    assert "vie_scolaire" in _codes(cast.pupil)
    assert "vie_scolaire" not in _codes(other_pupil)
    assert _cas_login(sign_in(Client(), other_pupil)).status_code == 403


def test_a_connector_without_a_code_stays_open_to_everyone_signed_in(cast):
    register_service(
        actor=None,
        protocol=Protocol.CAS,
        name="Open",
        url_pattern=r"https://open\.example\.org/.*",
        approve=True,
    )
    response = sign_in(Client(), cast.teacher).get(
        "/cas/login", {"service": "https://open.example.org/"}
    )
    assert response.status_code == 302
    assert "ticket=" in response["Location"]


def test_the_operators_register_a_school_connector_from_the_command_line(cast):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "sso",
        "services",
        "add",
        "--protocol=cas",
        "--name=Vie scolaire",
        r"--url-pattern=https://vs\.example\.org/.*",
        "--attributes=profiles,schools",
        "--code=vie_scolaire",
        "--launch-url=https://vs.example.org/",
        "--school=0000001b",
        "--no-approve",
        stdout=out,
    )
    service = Service.objects.get(name="Vie scolaire")
    assert (service.code, service.launch_url, service.school) == (
        "vie_scolaire",
        "https://vs.example.org/",
        cast.school,
    )
    assert not service.is_approved
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="9999999Z"):
        call_command(
            "sso", "services", "add", "--protocol=cas", "--name=Other", "--school=9999999Z"
        )


# --- OIDC ------------------------------------------------------------------------------------


def test_oidc_refuses_a_person_not_given_the_connector(live_server, cast):
    from .oidc_support import Flow, add_client
    from .oidc_support import sign_in as browser_sign_in

    install_default_grants(actor=None)
    service = add_client("Vie scolaire OIDC")
    Service.objects.filter(pk=service.pk).update(code="vs_oidc", school=cast.school)
    service.code = "vs_oidc"
    with requests.Session() as browser:
        browser_sign_in(browser, live_server.url, cast.teacher.login)
        flow = Flow(live_server.url, service)
        response = flow.authorize(browser)
        assert response.status_code == 403
        assert "access_denied" in response.text
        assert "code=" not in response.headers.get("Location", "")
        refusal = AuditEvent.objects.get(action="sso.oidc.authorize.refuse")
        assert (refusal.actor, refusal.data["error"]) == (cast.teacher, "access_denied")
        grant_service(actor=None, service="vs_oidc", person=cast.teacher, school=cast.school)
        location = flow.code_response(browser)
        assert "code=" in location
        flow.client.close()


# --- SAML ------------------------------------------------------------------------------------


@pytest.fixture
def saml_setup(tmp_path, settings, cast, client):
    from .saml_peers import ENT, PeerServiceProvider, key_pair

    keys = {name: key_pair(tmp_path / "keys", name) for name in ("ent", "sp")}
    settings.ENT_SAML_KEY_FILE, settings.ENT_SAML_CERT_FILE = keys["ent"]
    settings.ENT_SAML_BASE_URL = ENT
    metadata = client.get("/saml/idp/metadata").content.decode()
    return PeerServiceProvider(keys=keys["sp"], ent_metadata=metadata)


def test_saml_refuses_a_person_not_given_the_connector(client, cast, saml_setup):
    from urllib.parse import urlsplit

    from ent.sso.saml_idp import register_saml_service

    from .saml_peers import ENT
    from .saml_peers import sign_in as saml_sign_in

    install_default_grants(actor=None)
    service = register_saml_service(
        actor=None,
        name="Vie scolaire SAML",
        metadata_xml=saml_setup.metadata(),
        attributes=["profiles"],
        approve=True,
    )
    Service.objects.filter(pk=service.pk).update(code="vs_saml", school=cast.school)

    def local(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    def sign_on():
        _request_id, info = saml_setup.client().prepare_for_authenticate(
            entityid=ENT + "/saml/idp/metadata", relay_state="back"
        )
        answer = client.get(local(dict(info["headers"])["Location"]))
        assert answer.status_code == 302
        return client.get(local(answer["Location"]))

    saml_sign_in(client, cast.pupil)
    refused = sign_on()
    assert refused.status_code == 403
    assert french(NOT_GRANTED).encode() in refused.content
    refusal = AuditEvent.objects.get(action="sso.saml.assertion.refuse")
    assert (refusal.actor, refusal.data["reason"]) == (cast.pupil, "not_granted")
    grant_service(actor=None, service="vs_saml", profile="ELV", school=cast.school)
    assert sign_on().status_code == 200
