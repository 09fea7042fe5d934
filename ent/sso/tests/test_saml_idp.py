"""The ENT as a SAML 2.0 identity provider, driven by a real pysaml2 service provider: metadata,
SP-initiated sign-on in both bindings, levels and ForceAuthn, the GAR profile, single logout
(front and back channel) and every bad input refused with a page and an audit event."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.sigver import SignatureError

from ent.audit.models import AuditEvent
from ent.directory.models import Enrolment
from ent.identity.models import Method
from ent.identity.session import LEVEL_STRONG
from ent.sso.models import ServiceLogin, ServiceSubject
from ent.sso.saml_idp import register_saml_service

from .saml_peers import (
    ENT,
    SP_SLO,
    PeerServiceProvider,
    encoded,
    key_pair,
    post_form,
    query,
    renew,
    sign_in,
    soap_endpoint,
)

IDP = ENT + "/saml/idp/metadata"
SSO = ENT + "/saml/idp/sso"


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saml-idp-keys")
    return {name: key_pair(folder, name) for name in ("ent", "sp", "stranger")}


@pytest.fixture(autouse=True)
def ent_keys(settings, saml_keys):
    settings.ENT_SAML_KEY_FILE, settings.ENT_SAML_CERT_FILE = saml_keys["ent"]
    settings.ENT_SAML_BASE_URL = ENT
    settings.ENT_SAML_GAR_ID_ENT = "ENT-TEST-42"


@pytest.fixture
def ent_metadata(db, client):
    response = client.get("/saml/idp/metadata")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def peer(saml_keys, ent_metadata):
    return PeerServiceProvider(keys=saml_keys["sp"], ent_metadata=ent_metadata)


@pytest.fixture
def service(peer, cast):
    return register_saml_service(
        actor=None,
        name="Publisher",
        metadata_xml=peer.metadata(),
        attributes=["login", "first_name", "last_name", "profiles"],
        approve=True,
    )


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def ask(client, sp_client, *, binding=BINDING_HTTP_REDIRECT, **kwargs):
    """Send an AuthnRequest of the pysaml2 SP to the ENT; return (request id, ENT answer)."""
    if binding == BINDING_HTTP_REDIRECT:
        request_id, info = sp_client.prepare_for_authenticate(
            entityid=IDP, binding=binding, relay_state="back-to-3", **kwargs
        )
        return request_id, client.get(local(dict(info["headers"])["Location"]))
    request_id, xml = sp_client.create_authn_request(SSO, sign=True, **kwargs)
    answer = client.post("/saml/idp/sso", {"SAMLRequest": encoded(str(xml)), "RelayState": "p"})
    return request_id, answer


def follow(client, answer):
    """Follow the ENT's redirect to where the checked request resumes."""
    assert answer.status_code == 302, answer.content[:500]
    return client.get(local(answer["Location"]))


def sign_on(client, peer, **kwargs):
    """Run a whole SP-initiated sign-on; return the SP's parsed, verified response."""
    sp_client = peer.client()
    request_id, answer = ask(client, sp_client, **kwargs)
    page = follow(client, answer)
    assert page.status_code == 200, page.content[:800]
    action, fields = post_form(page)
    assert action == "https://sp.example.org/saml/acs"
    return sp_client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, {request_id: "/"}
    ), fields


def refusals(reason: str) -> int:
    return AuditEvent.objects.filter(
        action="sso.saml.assertion.refuse", outcome="FAILURE", data__reason=reason
    ).count()


@pytest.mark.sdet("SOC-SEC-PII-06")
def test_metadata_is_public_signed_and_names_the_signing_certificate(
    client, ent_metadata, saml_keys, peer
):
    pem = Path(saml_keys["ent"][1]).read_text()
    certificate = "".join(pem.splitlines()[1:-1])
    assert 'entityID="https://ent.example.org/saml/idp/metadata"' in ent_metadata
    assert certificate in ent_metadata.replace("\n", "")
    assert "SingleSignOnService" in ent_metadata
    assert "SingleLogoutService" in ent_metadata
    sp_client = peer.client()
    assert sp_client.sec.verify_signature(
        ent_metadata,
        saml_keys["ent"][1],
        node_name="urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
    )
    with pytest.raises(SignatureError):
        sp_client.sec.verify_signature(
            ent_metadata.replace("SingleLogoutService", "SingleLogoutServicX"),
            saml_keys["ent"][1],
            node_name="urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        )


@pytest.mark.sdet("SOC-SEC-PII-03", "SOC-SEC-PII-07", "SOC-INT-ASE-04", "SOC-SEC-APS-03")
def test_signed_in_pupil_gets_a_signed_assertion_with_an_opaque_persistent_name_id(
    client, cast, peer, service
):
    sign_in(client, cast.pupil)
    response, fields = sign_on(client, peer)
    assert fields["RelayState"] == "back-to-3"
    subject = ServiceSubject.objects.get(service=service, person=cast.pupil).value
    assert response.name_id.text == subject
    assert response.name_id.format == NAMEID_FORMAT_PERSISTENT
    assert cast.pupil.login not in response.name_id.text
    assert response.assertion.signature is not None
    assert response.response.signature is not None
    assert response.ava == {
        "uid": ["lea.petit"],
        "givenName": ["Léa"],
        "sn": ["Petit"],
        "ENTPersonProfils": ["National_ELV"],
    }
    statement = response.assertion.authn_statement[0]
    assert statement.authn_context.authn_context_class_ref.text == (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    )
    login = ServiceLogin.objects.get(service=service, person=cast.pupil)
    assert login.data == {"name_id": subject, "session_index": statement.session_index}
    issued = AuditEvent.objects.get(action="sso.saml.assertion.issue")
    assert issued.actor_id == cast.pupil.pk
    assert issued.data["session_index"] == statement.session_index
    assert AuditEvent.objects.filter(action="sso.attributes.release").count() == 1


def test_request_sent_with_the_post_binding_is_answered_too(client, cast, peer, service):
    sign_in(client, cast.teacher)
    response, fields = sign_on(client, peer, binding=BINDING_HTTP_POST)
    assert fields["RelayState"] == "p"
    assert response.ava["uid"] == ["agnes.dupont"]
    assert response.ava["ENTPersonProfils"] == ["National_ENS"]


@pytest.mark.sdet("SOC-SEC-PII-01")
def test_person_not_signed_in_goes_to_the_login_page_and_comes_back(client, cast, peer, service):
    sp_client = peer.client()
    request_id, answer = ask(client, sp_client)
    page = follow(client, answer)
    assert page.status_code == 302
    login = page["Location"]
    assert login.startswith("/auth/login?")
    comeback = query(login)["next"]
    assert comeback.startswith("/saml/idp/sso/continue?request=")
    sign_in(client, cast.teacher)
    _, fields = post_form(client.get(comeback))
    response = sp_client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, {request_id: "/"}
    )
    assert response.ava["uid"] == ["agnes.dupont"]


@pytest.mark.sdet("SOC-SEC-IAU-12", "SOC-SEC-PII-02")
def test_weaker_session_is_asked_to_step_up_and_the_proof_says_so(client, cast, peer, service):
    service.min_level = LEVEL_STRONG
    service.save(update_fields=["min_level"])
    sign_in(client, cast.head)
    sp_client = peer.client()
    request_id, answer = ask(client, sp_client)
    page = follow(client, answer)
    assert page.status_code == 302
    assert query(page["Location"])["level"] == "2"
    sign_in(client, cast.head, level=LEVEL_STRONG, method=Method.TOTP)
    _, fields = post_form(client.get(query(page["Location"])["next"]))
    response = sp_client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, {request_id: "/"}
    )
    context = response.assertion.authn_statement[0].authn_context
    assert context.authn_context_class_ref.text == (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken"
    )


def test_force_authn_is_honoured_with_a_fresh_login_only(client, cast, peer, service):
    sign_in(client, cast.teacher)
    sp_client = peer.client()
    request_id, answer = ask(client, sp_client, force_authn="true")
    page = follow(client, answer)
    assert page.status_code == 302
    login = query(page["Location"])
    assert login["renew"] == "1"
    refused = client.get(login["next"])
    assert refused.status_code == 403
    assert refusals("not_renewed") == 1

    request_id, answer = ask(client, sp_client, force_authn="true")
    login = query(follow(client, answer)["Location"])
    renew(client, cast.teacher)
    _, fields = post_form(client.get(login["next"]))
    response = sp_client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, {request_id: "/"}
    )
    assert response.ava["uid"] == ["agnes.dupont"]


@pytest.mark.sdet("SOC-SEC-PII-03", "SOC-INT-ASE-04")
def test_gar_profile_sends_the_gar_attributes_built_from_the_directory(
    client, cast, peer, ent_metadata
):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    gar = register_saml_service(
        actor=None,
        name="GAR",
        metadata_xml=peer.metadata(),
        attributes=["profiles", "schools", "classes", "last_name"],
        attribute_profile="GAR",
        approve=True,
    )
    sign_in(client, cast.pupil)
    response, _ = sign_on(client, peer)
    subject = ServiceSubject.objects.get(service=gar, person=cast.pupil).value
    assert response.ava == {
        "GARPersonIdentifiant": [subject],
        "idEnt": ["ENT-TEST-42"],
        "GARPersonProfils": ["National_elv"],
        "GARPersonEtab": ["0000001B"],
        "GARPersonGroupe": ["0000001B$3A"],
        "GARPersonNom": ["Petit"],
    }
    assert response.name_id.text == subject


def test_gar_profile_codes_may_be_upper_case(client, cast, peer, settings):
    settings.ENT_SAML_GAR_UPPER_PROFILES = True
    register_saml_service(
        actor=None,
        name="GAR",
        metadata_xml=peer.metadata(),
        attributes=["profiles"],
        attribute_profile="GAR",
        approve=True,
    )
    sign_in(client, cast.teacher)
    response, _ = sign_on(client, peer)
    assert response.ava["GARPersonProfils"] == ["National_ENS"]


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_unknown_service_gets_a_clear_page_and_an_audit_event(client, cast, peer, saml_keys):
    stranger = PeerServiceProvider(
        keys=saml_keys["stranger"],
        ent_metadata=peer.ent_metadata,
        entity_id="https://stranger.example.org/sp",
    )
    sign_in(client, cast.pupil)
    _, answer = ask(client, stranger.client())
    assert answer.status_code == 403
    assert "registry" in answer.content.decode() or "registre" in answer.content.decode()
    event = AuditEvent.objects.get(action="sso.saml.assertion.refuse")
    assert event.data["reason"] == "unknown_service"
    assert event.data["issuer"] == "https://stranger.example.org/sp"
    assert not ServiceLogin.objects.exists()


def test_service_not_yet_approved_is_refused(client, cast, peer):
    register_saml_service(actor=None, name="Pending", metadata_xml=peer.metadata())
    sign_in(client, cast.pupil)
    _, answer = ask(client, peer.client())
    assert answer.status_code == 403
    assert refusals("service_not_approved") == 1


def test_answer_address_outside_the_metadata_is_refused(client, cast, peer, service):
    sign_in(client, cast.pupil)
    _, answer = ask(
        client, peer.client(), assertion_consumer_service_url="https://evil.example.org/acs"
    )
    assert answer.status_code == 403
    assert "evil.example.org" not in answer.content.decode()
    assert refusals("acs_not_in_metadata") == 1


def test_altered_request_is_refused(client, cast, peer, service):
    sign_in(client, cast.pupil)
    _, info = peer.client().prepare_for_authenticate(
        entityid=IDP, binding=BINDING_HTTP_REDIRECT, relay_state="a"
    )
    url = local(dict(info["headers"])["Location"]).replace("RelayState=a", "RelayState=b")
    answer = client.get(url)
    assert answer.status_code == 403
    assert refusals("bad_signature") == 1


def test_unsigned_request_from_a_service_that_signs_is_refused(client, cast, peer, service):
    sign_in(client, cast.pupil)
    quiet = PeerServiceProvider(keys=peer.keys, ent_metadata=peer.ent_metadata)
    quiet.sign_requests = False
    _, answer = ask(client, quiet.client())
    assert answer.status_code == 403
    assert refusals("bad_signature") == 1


@pytest.mark.parametrize(
    "payload", ["", "not base64 at all!!", encoded("<nope/>"), encoded("<a>&lt;")]
)
def test_garbage_request_gets_a_page_never_a_500(client, db, payload):
    answer = client.post("/saml/idp/sso", {"SAMLRequest": payload})
    assert answer.status_code in {400, 403}
    assert AuditEvent.objects.filter(action="sso.saml.assertion.refuse").count() == 1


def test_forged_continue_token_is_refused(client, cast, service):
    sign_in(client, cast.pupil)
    answer = client.get("/saml/idp/sso/continue?request=forged")
    assert answer.status_code == 403
    assert refusals("expired_request") == 1


@pytest.mark.sdet("SOC-SEC-IAU-10")
def test_signed_request_with_an_expired_certificate_is_refused(
    client, cast, ent_metadata, tmp_path
):
    past = timezone.now() - timedelta(days=30)
    keys = key_pair(tmp_path, "expired", not_before=past, not_after=past + timedelta(days=1))
    old = PeerServiceProvider(keys=keys, ent_metadata=ent_metadata)
    register_saml_service(actor=None, name="Old", metadata_xml=old.metadata(), approve=True)
    sign_in(client, cast.pupil)
    _, answer = ask(client, old.client())
    assert answer.status_code == 403
    assert refusals("certificate") == 1


@pytest.mark.sdet("SOC-SEC-PII-02")
def test_service_initiated_logout_ends_the_session_and_is_answered_signed(
    client, cast, peer, service
):
    sign_in(client, cast.pupil)
    sp_client = peer.client()
    response, _ = sign_on(client, peer)
    session_key = client.cookies["sessionid"].value
    request_id, request = sp_client.create_logout_request(
        ENT + "/saml/idp/slo",
        IDP,
        name_id=response.name_id,
        session_indexes=[response.assertion.authn_statement[0].session_index],
        sign=False,
    )
    info = sp_client.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), ENT + "/saml/idp/slo", "after", sign=True
    )
    answer = follow(client, client.get(local(dict(info["headers"])["Location"])))
    assert answer.status_code == 302
    assert answer["Location"].startswith(SP_SLO + "?SAMLResponse=")
    params = query(answer["Location"])
    assert params["RelayState"] == "after"
    logout = sp_client.parse_logout_request_response(params["SAMLResponse"], BINDING_HTTP_REDIRECT)
    assert logout.response.in_response_to == request_id
    assert logout.status_ok()
    assert client.get("/").status_code == 302
    login = ServiceLogin.objects.get(service=service, session_key=session_key)
    assert login.logged_out_at is not None
    assert login.logout_outcome == "logged out by the service"
    assert AuditEvent.objects.get(action="sso.saml.logout").data["outcome"] == "ended"


def test_unsigned_logout_request_is_refused_and_the_session_stays(client, cast, peer, service):
    sign_in(client, cast.pupil)
    sp_client = peer.client()
    response, _ = sign_on(client, peer)
    _, request = sp_client.create_logout_request(
        ENT + "/saml/idp/slo", IDP, name_id=response.name_id, sign=False
    )
    answer = client.post("/saml/idp/slo", {"SAMLRequest": encoded(str(request))})
    assert answer.status_code == 403
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.get(action="sso.saml.logout.refuse").data["reason"] == "unsigned"


@pytest.mark.sdet("SOC-SEC-PII-02", "SOC-SEC-PII-06")
def test_ending_the_session_sends_a_signed_soap_logout_to_the_service(
    client, cast, peer, django_capture_on_commit_callbacks
):
    with soap_endpoint(peer) as (_url, endpoint):
        service = register_saml_service(
            actor=None, name="Back", metadata_xml=peer.metadata(), approve=True
        )
        sign_in(client, cast.teacher)
        response, _ = sign_on(client, peer)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/auth/logout").status_code in {200, 302}
        assert len(endpoint.requests) == 1
    assert response.name_id.text in endpoint.requests[0]
    login = ServiceLogin.objects.get(service=service)
    assert login.logout_outcome == "logged out"
    event = AuditEvent.objects.get(action="sso.service.logout", target_id=str(service.pk))
    assert event.data["outcome"] == "logged out"


def test_service_without_a_soap_endpoint_is_recorded_as_front_channel_only(
    client, cast, peer, service, django_capture_on_commit_callbacks
):
    sign_in(client, cast.teacher)
    sign_on(client, peer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/auth/logout")
    assert ServiceLogin.objects.get(service=service).logout_outcome == "front-channel only"


def test_operator_registers_a_saml_service_from_its_metadata(db, peer, tmp_path, capsys):
    path = tmp_path / "gar.xml"
    path.write_text(peer.metadata())
    call_command(
        "saml",
        "sp",
        "add",
        "--name",
        "GAR",
        "--metadata",
        str(path),
        "--profile",
        "GAR",
        "--attributes",
        "profiles,schools",
    )
    call_command("saml", "sp", "list")
    out = capsys.readouterr().out
    assert "https://sp.example.org/saml/metadata" in out
    assert "GAR" in out


def test_operator_replaces_a_services_metadata(db, peer, service, saml_keys, tmp_path, capsys):
    renewed = PeerServiceProvider(keys=saml_keys["stranger"], ent_metadata=peer.ent_metadata)
    path = tmp_path / "renewed.xml"
    path.write_text(renewed.metadata())
    call_command("saml", "sp", "replace-metadata", "Publisher", "--metadata", str(path))
    assert "metadata replaced" in capsys.readouterr().out
    service.refresh_from_db()
    assert service.metadata_xml == renewed.metadata()
    assert AuditEvent.objects.filter(action="sso.service.metadata.replace").count() == 1


def test_metadata_command_prints_both_sides(db, capsys):
    call_command("saml", "metadata")
    out = capsys.readouterr().out
    assert 'entityID="https://ent.example.org/saml/idp/metadata"' in out
    assert 'entityID="https://ent.example.org/saml/sp/metadata"' in out
