"""Federation: the ENT as a SAML service provider of EduConnect and an agents' portal, driven by
a real pysaml2 identity provider: SP- and IdP-initiated sign-in, accounts matched through the
AAF joint key, the proof propagated to the ENT's own SAML services, single logout, and every
bad response refused with a page and an audit event, nobody signed in."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.saml import NameID

from ent.audit.models import AuditEvent
from ent.directory.models import ExternalId, Source
from ent.identity.models import Method, UserSession
from ent.sso.models import Audience, IdentityProvider, SeenAssertion
from ent.sso.saml import FEDERATION_SESSION_KEY
from ent.sso.saml_idp import register_saml_service
from ent.sso.saml_sp import joint_keys, register_identity_provider

from .saml_peers import (
    ENT,
    IDP_ENTITY,
    IDP_SLO,
    IDP_SSO,
    PeerIdentityProvider,
    PeerServiceProvider,
    encoded,
    key_pair,
    post_form,
    query,
    session_of,
)

ACS = "/saml/sp/acs"
PUPIL_KEY = "2000001"
GUARDIAN_KEY = "3000001"


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saml-federation-keys")
    return {name: key_pair(folder, name) for name in ("ent", "idp", "impostor", "sp")}


@pytest.fixture(autouse=True)
def ent_keys(settings, saml_keys):
    settings.ENT_SAML_KEY_FILE, settings.ENT_SAML_CERT_FILE = saml_keys["ent"]
    settings.ENT_SAML_BASE_URL = ENT


@pytest.fixture
def ent_metadata(db, client):
    response = client.get("/saml/sp/metadata")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def educonnect(saml_keys, ent_metadata):
    return PeerIdentityProvider(keys=saml_keys["idp"], ent_metadata=ent_metadata)


@pytest.fixture
def provider(educonnect, cast):
    ExternalId.objects.create(person=cast.pupil, source=Source.AAF, value=PUPIL_KEY)
    ExternalId.objects.create(person=cast.guardian, source=Source.AAF, value=GUARDIAN_KEY)
    return register_identity_provider(
        actor=None,
        name="EduConnect",
        slug="educonnect",
        audience=Audience.PUPILS_AND_PARENTS,
        metadata_xml=educonnect.metadata(),
        match_attribute="FrEduCtRefId",
    )


def vector(key: str, academy: str = "14") -> str:
    return f"{{AAF}}{academy}|1234|{key}"


def signed_in(client):
    """Return who the test client's session belongs to, and how it was authenticated."""
    key = client.cookies.get("sessionid")
    if key is None:
        return None
    return UserSession.objects.filter(session_key=key.value, ended_at=None).first()


def refusal(reason: str) -> AuditEvent:
    return AuditEvent.objects.get(
        action="sso.saml.federation.refuse", outcome="FAILURE", data__reason=reason
    )


def post(client, xml: str, relay_state: str = ""):
    data = {"SAMLResponse": encoded(xml)}
    if relay_state:
        data["RelayState"] = relay_state
    return client.post(ACS, data)


@pytest.mark.sdet("SOC-SEC-PII-06")
def test_service_provider_metadata_is_public_and_signed(client, ent_metadata, educonnect):
    assert 'entityID="https://ent.example.org/saml/sp/metadata"' in ent_metadata
    assert "AssertionConsumerService" in ent_metadata
    assert "https://ent.example.org/saml/sp/acs" in ent_metadata
    server = educonnect.server()
    assert server.metadata.assertion_consumer_service(ENT + "/saml/sp/metadata")


@pytest.mark.sdet("SOC-SEC-PII-05", "SOC-SEC-PII-06", "SOC-SEC-APS-03")
def test_pupil_signs_in_through_educonnect_started_by_the_ent(client, cast, educonnect, provider):
    start = client.get("/saml/sp/login/educonnect?next=/timetable/")
    assert start.status_code == 302
    assert start["Location"].startswith(IDP_SSO + "?SAMLRequest=")
    params = query(start["Location"])
    server = educonnect.server()
    request = server.parse_authn_request(
        params["SAMLRequest"],
        BINDING_HTTP_REDIRECT,
        sigalg=params["SigAlg"],
        signature=params["Signature"],
    )
    assert request.message.issuer.text == ENT + "/saml/sp/metadata"
    xml = educonnect.response(values=[vector(PUPIL_KEY)], in_response_to=request.message.id)
    answer = post(client, xml)
    assert answer.status_code == 302
    assert answer["Location"] == "/timetable/"
    session = signed_in(client)
    assert session.person == cast.pupil
    assert session.method == Method.FEDERATION
    assert session.level == provider.level
    federation = session_of(client)[FEDERATION_SESSION_KEY]
    assert federation["entity_id"] == IDP_ENTITY
    assert federation["name_id"] == "educonnect-subject-1"
    accepted = AuditEvent.objects.get(action="sso.saml.federation.accept")
    assert accepted.actor_id == cast.pupil.pk
    assert AuditEvent.objects.filter(action="sso.saml.federation.request").count() == 1
    assert SeenAssertion.objects.filter(provider=provider).count() == 1


def test_identity_provider_initiated_response_is_accepted(client, cast, educonnect, provider):
    answer = post(client, educonnect.response(values=[vector(PUPIL_KEY)]), "/messages/")
    assert answer.status_code == 302
    assert answer["Location"] == "/messages/"
    assert signed_in(client).person == cast.pupil


def test_relay_state_pointing_elsewhere_is_not_followed(client, cast, educonnect, provider):
    xml = educonnect.response(values=[vector(PUPIL_KEY)])
    answer = post(client, xml, "https://evil.example.org/")
    assert answer.status_code == 302
    assert "evil" not in answer["Location"]
    assert signed_in(client).person == cast.pupil


def test_parent_with_several_children_signs_in_to_the_one_account(
    client, cast, educonnect, provider
):
    values = [vector(GUARDIAN_KEY), vector(GUARDIAN_KEY), "{SIECLE}14|999|42"]
    answer = post(client, educonnect.response(values=values))
    assert answer.status_code == 302
    assert signed_in(client).person == cast.guardian


def test_values_naming_two_accounts_let_the_person_choose(client, cast, educonnect, provider):
    values = [vector(GUARDIAN_KEY), vector(PUPIL_KEY)]
    answer = post(client, educonnect.response(values=values))
    assert answer["Location"] == "/saml/sp/choose"
    assert signed_in(client) is None
    page = client.get("/saml/sp/choose")
    assert page.status_code == 200
    assert "paul.petit" in page.content.decode()
    assert "lea.petit" in page.content.decode()
    assert client.post("/saml/sp/choose", {"person": cast.teacher.pk}).status_code == 200
    assert signed_in(client) is None
    chosen = client.post("/saml/sp/choose", {"person": cast.guardian.pk})
    assert chosen.status_code == 302
    assert signed_in(client).person == cast.guardian
    assert client.get("/saml/sp/choose").status_code == 404


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_identity_with_no_matching_account_is_refused(client, cast, educonnect, provider):
    answer = post(client, educonnect.response(values=[vector("9999999")]))
    assert answer.status_code == 403
    assert refusal("no_account").target_id == str(provider.pk)
    assert signed_in(client) is None


def test_response_without_the_joint_key_is_refused(client, cast, educonnect, provider):
    answer = post(client, educonnect.response(values=["x"], attribute="FrEduCtId"))
    assert answer.status_code == 403
    assert refusal("no_joint_key")
    assert signed_in(client) is None


@pytest.mark.parametrize("change", ["suspend", "deactivate"])
def test_suspended_or_deactivated_account_is_refused(client, cast, educonnect, provider, change):
    if change == "suspend":
        cast.pupil.suspended_at = timezone.now()
    else:
        cast.pupil.is_active = False
    cast.pupil.save()
    answer = post(client, educonnect.response(values=[vector(PUPIL_KEY)]))
    assert answer.status_code == 403
    assert refusal("account_inactive")
    assert signed_in(client) is None


@pytest.mark.sdet("SOC-SEC-PII-07")
def test_unsigned_response_is_refused(client, cast, educonnect, provider):
    xml = educonnect.response(values=[vector(PUPIL_KEY)], sign_response=False, sign_assertion=False)
    answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("unsigned")
    assert signed_in(client) is None


@pytest.mark.sdet("SOC-SEC-PII-07")
def test_signed_response_around_an_unsigned_assertion_is_refused(
    client, cast, educonnect, provider
):
    xml = educonnect.response(values=[vector(PUPIL_KEY)], sign_assertion=False)
    answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("unsigned")
    assert signed_in(client) is None


@pytest.mark.sdet("SOC-SEC-PII-07")
def test_altered_response_is_refused(client, cast, educonnect, provider):
    xml = educonnect.response(values=[vector(PUPIL_KEY)])
    forged = xml.replace(PUPIL_KEY, GUARDIAN_KEY)
    assert forged != xml
    answer = post(client, forged)
    assert answer.status_code == 403
    assert refusal("bad_signature")
    assert signed_in(client) is None


def test_replayed_response_is_refused(client, cast, educonnect, provider):
    xml = educonnect.response(values=[vector(PUPIL_KEY)])
    assert post(client, xml).status_code == 302
    client.cookies.clear()
    answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("replayed")
    assert signed_in(client) is None


def test_expired_response_is_refused(client, cast, educonnect, provider):
    xml = educonnect.response(values=[vector(PUPIL_KEY)])
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("expired")
    assert signed_in(client) is None


def test_seen_assertions_are_kept_until_they_expire(client, cast, educonnect, provider):
    assert post(client, educonnect.response(values=[vector(PUPIL_KEY)])).status_code == 302
    seen = SeenAssertion.objects.get()
    assert timezone.now() < seen.expires_at <= timezone.now() + timedelta(minutes=6)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        client.cookies.clear()
        assert post(client, educonnect.response(values=[vector(PUPIL_KEY)])).status_code == 302
        assert SeenAssertion.objects.count() == 1
        assert SeenAssertion.objects.get().pk != seen.pk


def test_response_meant_for_another_service_is_refused(
    client, cast, educonnect, provider, saml_keys
):
    other = PeerServiceProvider(keys=saml_keys["sp"], entity_id="https://other.example.org/sp")
    educonnect.other_metadata = [other.metadata()]
    xml = educonnect.response(values=[vector(PUPIL_KEY)], audience="https://other.example.org/sp")
    answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("wrong_audience")
    assert signed_in(client) is None


def test_response_sent_to_another_address_is_refused(client, cast, educonnect, provider):
    xml = educonnect.response(
        values=[vector(PUPIL_KEY)], destination="https://other.example.org/acs"
    )
    answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("wrong_destination")
    assert signed_in(client) is None


def test_answer_to_a_request_the_ent_never_made_is_refused(client, cast, educonnect, provider):
    xml = educonnect.response(values=[vector(PUPIL_KEY)], in_response_to="_forged.0123")
    answer = post(client, xml)
    assert answer.status_code == 403
    assert refusal("unknown_request")
    assert signed_in(client) is None


@pytest.mark.sdet("SOC-SEC-PII-06")
def test_unknown_identity_provider_is_refused(client, cast, saml_keys, ent_metadata, provider):
    stranger = PeerIdentityProvider(
        keys=saml_keys["impostor"], ent_metadata=ent_metadata, entity_id="https://idp.evil.org"
    )
    answer = post(client, stranger.response(values=[vector(PUPIL_KEY)]))
    assert answer.status_code == 403
    assert refusal("unknown_issuer").data["issuer"] == "https://idp.evil.org"
    assert signed_in(client) is None


@pytest.mark.sdet("SOC-SEC-PII-06")
def test_response_signed_with_a_key_not_in_the_metadata_is_refused(
    client, cast, saml_keys, ent_metadata, provider
):
    impostor = PeerIdentityProvider(keys=saml_keys["impostor"], ent_metadata=ent_metadata)
    answer = post(client, impostor.response(values=[vector(PUPIL_KEY)]))
    assert answer.status_code == 403
    assert refusal("bad_signature")
    assert signed_in(client) is None


def test_disabled_identity_provider_is_neither_offered_nor_trusted(
    client, cast, educonnect, provider
):
    provider.is_enabled = False
    provider.save(update_fields=["is_enabled"])
    assert "educonnect" not in client.get("/auth/discovery").content.decode()
    assert client.get("/saml/sp/login/educonnect").status_code == 404
    assert post(client, educonnect.response(values=[vector(PUPIL_KEY)])).status_code == 403
    assert refusal("unknown_issuer")


@pytest.mark.sdet("SOC-SEC-IAU-10")
def test_identity_provider_whose_certificate_expired_is_refused(
    client, cast, ent_metadata, tmp_path
):
    now = timezone.now()
    keys = key_pair(
        tmp_path, "short", not_before=now - timedelta(days=1), not_after=now + timedelta(hours=1)
    )
    short = PeerIdentityProvider(keys=keys, ent_metadata=ent_metadata)
    ExternalId.objects.create(person=cast.pupil, source=Source.AAF, value=PUPIL_KEY)
    register_identity_provider(
        actor=None,
        name="Agents",
        slug="agents",
        audience=Audience.STAFF,
        metadata_xml=short.metadata(),
        match_attribute="FrEduCtRefId",
    )
    assert post(client, short.response(values=[PUPIL_KEY])).status_code == 302
    client.cookies.clear()
    with time_machine.travel(now + timedelta(hours=2)):
        answer = post(client, short.response(values=[PUPIL_KEY]))
    assert answer.status_code == 403
    assert refusal("certificate")
    assert signed_in(client) is None


@pytest.mark.sdet("SOC-SEC-IAU-10")
def test_identity_provider_with_an_expired_certificate_cannot_be_registered(
    db, ent_metadata, tmp_path
):
    past = timezone.now() - timedelta(days=30)
    keys = key_pair(tmp_path, "old", not_before=past, not_after=past + timedelta(days=1))
    old = PeerIdentityProvider(keys=keys, ent_metadata=ent_metadata)
    with pytest.raises(ValidationError, match="ont expiré"):
        register_identity_provider(
            actor=None,
            name="Old",
            slug="old",
            audience=Audience.STAFF,
            metadata_xml=old.metadata(),
            match_attribute="ctemail",
        )
    assert not IdentityProvider.objects.exists()


@pytest.mark.sdet("SOC-SEC-PII-05", "SOC-SEC-PII-02")
def test_educonnect_proof_is_passed_on_to_the_ents_saml_services(
    client, cast, educonnect, provider, saml_keys
):
    assert post(client, educonnect.response(values=[vector(PUPIL_KEY)])).status_code == 302
    idp_metadata = client.get("/saml/idp/metadata").content.decode()
    peer = PeerServiceProvider(keys=saml_keys["sp"], ent_metadata=idp_metadata)
    register_saml_service(
        actor=None,
        name="Publisher",
        metadata_xml=peer.metadata(),
        attributes=["login"],
        approve=True,
    )
    sp_client = peer.client()
    request_id, info = sp_client.prepare_for_authenticate(
        entityid=ENT + "/saml/idp/metadata", binding=BINDING_HTTP_REDIRECT
    )
    location = urlsplit(dict(info["headers"])["Location"])
    answer = client.get(f"{location.path}?{location.query}")
    page = client.get(answer["Location"])
    _, fields = post_form(page)
    response = sp_client.parse_authn_request_response(
        fields["SAMLResponse"], BINDING_HTTP_POST, {request_id: "/"}
    )
    context = response.assertion.authn_statement[0].authn_context
    assert context.authenticating_authority[0].text == IDP_ENTITY
    assert context.authn_context_class_ref.text == (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
    )
    assert response.ava["uid"] == ["lea.petit"]


@pytest.mark.sdet("SOC-SEC-PII-02")
def test_identity_provider_logout_ends_the_federated_session(client, cast, educonnect, provider):
    assert post(client, educonnect.response(values=[vector(PUPIL_KEY)])).status_code == 302
    server = educonnect.server()
    request_id, request = server.create_logout_request(
        ENT + "/saml/sp/slo",
        ENT + "/saml/sp/metadata",
        name_id=NameID(text="educonnect-subject-1"),
        sign=False,
    )
    info = server.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), ENT + "/saml/sp/slo", "r", sign=True
    )
    location = urlsplit(dict(info["headers"])["Location"])
    checked = client.get(f"{location.path}?{location.query}")
    assert checked.status_code == 302
    answer = client.get(checked["Location"])
    assert answer["Location"].startswith(IDP_SLO + "?SAMLResponse=")
    params = query(answer["Location"])
    response = server.parse_logout_request_response(params["SAMLResponse"], BINDING_HTTP_REDIRECT)
    assert response.response.in_response_to == request_id
    assert response.status_ok()
    assert signed_in(client) is None
    logout = AuditEvent.objects.get(action="sso.saml.federation.logout")
    assert logout.data["outcome"] == "ended"


def test_unsigned_identity_provider_logout_is_refused(client, cast, educonnect, provider):
    assert post(client, educonnect.response(values=[vector(PUPIL_KEY)])).status_code == 302
    server = educonnect.server()
    _, request = server.create_logout_request(
        ENT + "/saml/sp/slo",
        ENT + "/saml/sp/metadata",
        name_id=NameID(text="educonnect-subject-1"),
        sign=False,
    )
    info = server.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), ENT + "/saml/sp/slo", "r", sign=False
    )
    location = urlsplit(dict(info["headers"])["Location"])
    assert client.get(f"{location.path}?{location.query}").status_code == 403
    assert signed_in(client).person == cast.pupil
    refused = AuditEvent.objects.get(action="sso.saml.federation.logout.refuse")
    assert refused.data["reason"] == "unsigned"


@pytest.mark.parametrize(
    ("values", "academies", "expected"),
    [
        (["{AAF}14|1234|2000001"], [], ["2000001"]),
        (["{AAF}14|1|2000001", "{AAF}14|2|2000001"], [], ["2000001"]),
        (["{AAF}14|1|2000001", "{AAF}25|2|7"], ["25"], ["7"]),
        (["{SIECLE}14|1|2000001", ""], [], []),
        (["2000001"], [], ["2000001"]),
    ],
)
def test_joint_keys_are_read_from_educonnect_vectors(settings, values, academies, expected):
    settings.ENT_SAML_AAF_ACADEMIES = academies
    assert joint_keys(values) == expected


def test_discovery_offers_each_audience_and_the_ents_own_login(client, provider, tmp_path):
    page = client.get("/auth/discovery?next=/timetable/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/saml/sp/login/educonnect?next=/timetable/" in html
    assert "/auth/login?next=%2Ftimetable%2F" in html


def test_operator_trusts_an_identity_provider_from_its_metadata(db, educonnect, tmp_path, capsys):
    path = tmp_path / "educonnect.xml"
    path.write_text(educonnect.metadata())
    call_command(
        "saml",
        "idp",
        "add",
        "--name",
        "EduConnect",
        "--slug",
        "educonnect",
        "--audience",
        "pupils_parents",
        "--metadata",
        str(path),
        "--match-attribute",
        "FrEduCtRefId",
    )
    call_command("saml", "idp", "list")
    out = capsys.readouterr().out
    assert IDP_ENTITY in out
    assert "FrEduCtRefId" in out
    provider = IdentityProvider.objects.get()
    assert provider.audience == Audience.PUPILS_AND_PARENTS
    assert AuditEvent.objects.filter(action="sso.identity_provider.register").count() == 1


@pytest.mark.sdet("SOC-SEC-IAU-10")
def test_operator_renews_an_identity_providers_certificate(
    client, cast, provider, saml_keys, ent_metadata, tmp_path, capsys
):
    renewed = PeerIdentityProvider(keys=saml_keys["impostor"], ent_metadata=ent_metadata)
    path = tmp_path / "renewed.xml"
    path.write_text(renewed.metadata())
    call_command("saml", "idp", "replace-metadata", "educonnect", "--metadata", str(path))
    assert "metadata replaced" in capsys.readouterr().out
    assert post(client, renewed.response(values=[vector(PUPIL_KEY)])).status_code == 302
    assert AuditEvent.objects.filter(action="sso.identity_provider.metadata.replace").exists()
    stranger = PeerIdentityProvider(
        keys=saml_keys["impostor"], ent_metadata=ent_metadata, entity_id="https://x.org/idp"
    )
    path.write_text(stranger.metadata())
    with pytest.raises(CommandError, match="pas ce fournisseur"):
        call_command("saml", "idp", "replace-metadata", "educonnect", "--metadata", str(path))


def test_metadata_of_the_wrong_kind_is_refused_at_registration(db, educonnect, saml_keys):
    service_metadata = PeerServiceProvider(keys=saml_keys["sp"]).metadata()
    with pytest.raises(ValidationError, match="ne décrivent pas un fournisseur"):
        register_identity_provider(
            actor=None,
            name="Wrong",
            slug="wrong",
            audience=Audience.STAFF,
            metadata_xml=service_metadata,
            match_attribute="FrEduCtRefId",
        )
    with pytest.raises(ValidationError, match="pas un fournisseur de service"):
        register_saml_service(actor=None, name="Wrong", metadata_xml=educonnect.metadata())
    with pytest.raises(ValidationError, match="bien formé"):
        register_saml_service(actor=None, name="Wrong", metadata_xml="<not xml")
