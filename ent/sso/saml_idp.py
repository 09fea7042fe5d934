"""The ENT as a SAML 2.0 identity provider: SP-initiated single sign-on (HTTP-Redirect and
HTTP-POST bindings), single logout, the back-channel logout sender, and the registration of
SAML services (the GAR, publishers, local tools).

A service provider is an approved `Service` with protocol SAML whose `entity_id` and
`metadata_xml` (its ACS, SLO endpoints and certificate) come from its metadata; nothing else is
trusted. The assertion is signed, and so is the response (SOC-SEC-PII-07); the subject is the
per-service opaque identifier (SOC-SEC-PII-03); the attributes are exactly those the registry
releases (SOC-INT-ASE-04). Every decision is audited (SOC-SEC-APS-03):
`sso.saml.assertion.issue`, `sso.saml.assertion.refuse`, `sso.saml.logout`,
`sso.saml.logout.refuse`; back-channel logout outcomes are `sso.service.logout` (actions.py).

A request is checked where it arrives, then the browser is sent on with a signed, short-lived
token (`continue`): a cross-site POST carries no session cookie, so the session is only read
on that second, same-site request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_SOAP, samlp
from saml2.assertion import Policy
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.time_util import in_a_while

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.identity.models import Method
from ent.identity.session import (
    authenticated_at,
    client_address,
    consume_fresh_login,
    end_session,
    login_url,
    session_level,
    session_method,
)

from .actions import record_service_login, register_logout_sender, register_service
from .models import Protocol, Service, ServiceLogin, SubjectKind
from .permissions import may_use_connector
from .queries import person_for_subject
from .saml import (
    FEDERATION_SESSION_KEY,
    NS,
    Outgoing,
    SamlError,
    certificate_problem,
    decode_message,
    idp_config,
    idp_entity_id,
    locations,
    logout_response,
    parse_xml,
    peek,
    post_fields,
    read_metadata,
    seal,
    unseal,
)

if TYPE_CHECKING:
    from ent.directory.models import User

logger = logging.getLogger(__name__)

GAR = "GAR"
PROFILES = ("", GAR)
# Seconds a back-channel logout may take before the ENT gives up on that service.
LOGOUT_TIMEOUT = 5

# SOC-SEC-PII-02: the proof of authentication names the means used.
CLASS_REFS = {
    Method.PASSWORD: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    Method.TOTP: "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
}
UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"

# Registry attribute -> SAML attribute name. urn:oid names go out in the URI name format with
# their LDAP name as FriendlyName; the SDET directory names (ENTPerson…) in the basic format.
DEFAULT_NAMES = {
    "login": "urn:oid:0.9.2342.19200300.100.1.1",
    "uuid": "ENTPersonIdentifiant",
    "first_name": "urn:oid:2.5.4.42",
    "last_name": "urn:oid:2.5.4.4",
    "display_name": "urn:oid:2.16.840.1.113730.3.1.241",
    "email": "urn:oid:0.9.2342.19200300.100.1.3",
    "profiles": "ENTPersonProfils",
    "schools": "ENTPersonStructRattachRNE",
    "classes": "ENTEleveClasses",
    "aaf_joint_key": "ENTPersonJointure",
}
# The GAR profile (standards.md §3.2-3.3): GARPersonIdentifiant is the per-service subject, the
# same value the GAR export carries; idEnt is the ENT's GAR project id; the other names are
# those of the GAR-ENT export. Attributes without a GAR name keep their default name.
GAR_NAMES = {
    "first_name": "GARPersonPrenom",
    "last_name": "GARPersonNom",
    "email": "GARPersonMail",
    "profiles": "GARPersonProfils",
    "schools": "GARPersonEtab",
    "classes": "GARPersonGroupe",
}


def national_profile(code: str, *, gar: bool = False) -> str:
    """Return the SDET national profile code of a directory profile ("ELV" -> National_ELV);
    the GAR-ENT XSD writes them National_elv unless ENT_SAML_GAR_UPPER_PROFILES is set."""
    if gar and not settings.ENT_SAML_GAR_UPPER_PROFILES:
        return f"National_{code.lower()}"
    return f"National_{code.upper()}"


def saml_attributes(service: Service, released: dict[str, list[str]]) -> dict[str, list[str]]:
    """Map the attributes `release_attributes` gave (subject included) to SAML names: exactly
    those, nothing added but the GAR's constant idEnt (SOC-INT-ASE-04)."""
    gar = service.attribute_profile == GAR
    names = {**DEFAULT_NAMES, **GAR_NAMES} if gar else DEFAULT_NAMES
    attributes: dict[str, list[str]] = {}
    for key, values in released.items():
        if key == "subject":
            if gar:
                attributes["GARPersonIdentifiant"] = list(values)
            continue
        if key == "profiles":
            values = [national_profile(value, gar=gar) for value in values]
        attributes[names.get(key, key)] = list(values)
    if gar and settings.ENT_SAML_GAR_ID_ENT:
        attributes["idEnt"] = [settings.ENT_SAML_GAR_ID_ENT]
    return attributes


class _RegistryPolicy(Policy):  # type: ignore[misc]  # misc: pysaml2 has no type hints
    """The registry has already chosen the attributes: pysaml2 must not filter them again by
    what the SP's metadata requests."""

    def restrict(self, ava: dict[str, Any], sp_entity_id: str, metadata: Any = None) -> Any:
        return dict(ava)


class _Server(Server):  # type: ignore[misc]  # misc: pysaml2 has no type hints
    """A pysaml2 identity provider that keeps no copy of the assertions it issues."""

    def support_AssertionIDRequest(self) -> bool:  # noqa: N802 (pysaml2's name)
        return False

    def support_AuthnQuery(self) -> bool:  # noqa: N802 (pysaml2's name)
        return False


def _server(service: Service, *, require_signed_requests: bool = False) -> Any:
    try:
        config = idp_config([service.metadata_xml], require_signed_requests=require_signed_requests)
    except Exception as error:  # pysaml2 raises bare exceptions on bad or outdated metadata
        raise SamlError(
            "service_metadata",
            _("The metadata registered for this service cannot be used."),
            detail=str(error)[:200],
        ) from None
    return _Server(config=config)


def _actor(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None


def _refuse(
    error: SamlError,
    *,
    actor: User | None,
    action: str,
    service: Service | None,
    address: str | None,
) -> SamlError:
    record(
        actor=actor,
        action=action,
        target=service,
        outcome=Outcome.FAILURE,
        address=address,
        data={"reason": error.reason, **error.data},
    )
    return error


def _approved_service(issuer: str) -> Service:
    """Return the approved SAML service whose entity id is `issuer`."""
    services = Service.objects.filter(protocol=Protocol.SAML, entity_id=issuer).order_by("pk")
    service = services.approved().first()
    if service is not None:
        return service
    if issuer and services.exists():
        raise SamlError(
            "service_not_approved",
            _("This service is registered but not approved: it may not receive identities."),
            issuer=issuer[:200],
        )
    raise SamlError(
        "unknown_service",
        _("This service is not in the ENT's registry of services."),
        issuer=issuer[:200],
    )


# --- Single sign-on ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingLogin:
    """A checked AuthnRequest waiting for the person to be signed in strongly enough."""

    service_id: int
    request_id: str
    acs_url: str
    relay_state: str
    force_authn: bool
    is_passive: bool
    renewed: bool = False

    def url(self, **changes: Any) -> str:
        """Return the path that resumes this request (the `next` of the login page)."""
        token = seal("idp-login", {**asdict(self), **changes})
        return f"{reverse('sso:saml-idp-continue')}?{urlencode({'request': token})}"


def _acs_url(server: Any, service: Service, message: Any) -> str:
    """Return the ACS the response goes to: one from the SP's metadata, never another."""
    binding = message.protocol_binding
    if binding and binding != BINDING_HTTP_POST:
        raise SamlError(
            "unsupported_binding",
            _("The service asked for a response binding the ENT does not offer."),
            binding=str(binding)[:100],
        )
    known = locations(
        server.metadata.assertion_consumer_service, service.entity_id, BINDING_HTTP_POST
    )
    wanted = message.assertion_consumer_service_url
    index = message.assertion_consumer_service_index
    for item in known:
        if wanted and item.get("location") == wanted:
            return str(wanted)
        if not wanted and index is not None and str(item.get("index")) == str(index):
            return str(item["location"])
    if not wanted and index is None and known:
        defaults = [item for item in known if str(item.get("is_default", "")).lower() == "true"]
        return str((defaults or known)[0]["location"])
    raise SamlError(
        "acs_not_in_metadata",
        _("The address the service asked the answer to be sent to is not in its metadata."),
        acs=str(wanted or index)[:200],
    )


def _parse(parse: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        parsed = parse(*args, **kwargs)
    except Exception as error:  # pysaml2 signals every refusal with its own exception classes
        name = type(error).__name__
        reason = "bad_signature" if "Sign" in name else "invalid_request"
        if "destined" in str(error):
            reason = "wrong_destination"
        raise SamlError(
            reason,
            _("The request of the service is not valid or not correctly signed."),
            detail=f"{name}: {error}"[:200],
        ) from None
    if parsed is None:
        raise SamlError("invalid_request", _("The request of the service is not valid."))
    return parsed


def _wants_signature(service: Service, envelope_signed: bool, signature: str | None) -> bool:
    if envelope_signed or signature:
        return True
    # An SP that declares it signs its requests gets unsigned ones refused.
    return read_metadata(service.metadata_xml, "sp").signs_requests


def _check_peer_certificate(service: Service) -> None:
    problem = certificate_problem(read_metadata(service.metadata_xml, "sp"))
    if problem:
        raise SamlError("certificate", problem)


def receive_authn_request(
    *,
    actor: User | None,
    address: str | None,
    binding: str,
    message: str,
    relay_state: str = "",
    sig_alg: str | None = None,
    signature: str | None = None,
) -> PendingLogin:
    """Check an AuthnRequest: an approved SAML service, a valid signature when signed (always
    when its metadata says so), an ACS from its metadata. Refusals are audited and raised."""
    service = None
    try:
        if not message:
            raise SamlError("missing", _("No SAML request was received."))
        envelope = peek(decode_message(message, binding))
        if envelope.kind != "AuthnRequest":
            raise SamlError("malformed", _("This is not a SAML authentication request."))
        service = _approved_service(envelope.issuer)
        must_sign = _wants_signature(service, envelope.is_signed, signature)
        if must_sign:
            _check_peer_certificate(service)
        server = _server(service, require_signed_requests=must_sign)
        parsed = _parse(
            server.parse_authn_request,
            message,
            binding,
            relay_state=relay_state or None,
            sigalg=sig_alg,
            signature=signature,
        )
        request = parsed.message
        return PendingLogin(
            service_id=service.pk,
            request_id=str(request.id),
            acs_url=_acs_url(server, service, request),
            relay_state=relay_state,
            force_authn=str(request.force_authn).lower() in {"true", "1"},
            is_passive=str(request.is_passive).lower() in {"true", "1"},
        )
    except SamlError as error:
        raise _refuse(
            error,
            actor=actor,
            action="sso.saml.assertion.refuse",
            service=service,
            address=address,
        ) from None
    except ValidationError as error:
        raise _refuse(
            SamlError("service_metadata", " ".join(error.messages)),
            actor=actor,
            action="sso.saml.assertion.refuse",
            service=service,
            address=address,
        ) from None


def _authn_context(request: HttpRequest) -> dict[str, Any]:
    """Return what the assertion says about the authentication (SOC-SEC-PII-02, -05): the
    means used and, after federation, the external identity provider that proved it."""
    method = session_method(request)
    context: dict[str, Any] = {
        "class_ref": CLASS_REFS.get(Method(method), UNSPECIFIED)
        if method in Method.values
        else UNSPECIFIED
    }
    if method == Method.FEDERATION:
        federation = request.session.get(FEDERATION_SESSION_KEY) or {}
        context["class_ref"] = federation.get("class_ref") or UNSPECIFIED
        if federation.get("entity_id"):
            context["authn_auth"] = federation["entity_id"]
    at = authenticated_at(request)
    if at is not None:
        context["authn_instant"] = int(at.timestamp())
    return context


def _error_response(service: Service, pending: PendingLogin, status: str, text: str) -> Outgoing:
    server = _server(service)
    xml = server.create_error_response(
        pending.request_id, pending.acs_url, (status, text), sign=True
    )
    return Outgoing(pending.acs_url, post_fields(str(xml), "SAMLResponse", pending.relay_state))


def _session_index(xml: str) -> str:
    node = parse_xml(xml).find("saml:Assertion/saml:AuthnStatement", NS)
    return node.get("SessionIndex", "") if node is not None else ""


@transaction.atomic
def issue_assertion(request: HttpRequest, *, service: Service, pending: PendingLogin) -> Outgoing:
    """Build the signed response for the signed-in person, remember the service login for
    single logout and audit the issue."""
    from .actions import release_attributes

    person = cast("User", request.user)  # answer_authn_request checked the sign-in
    session_key = request.session.session_key or ""
    released = release_attributes(service=service, person=person, session_key=session_key)
    subject = released["subject"][0]
    name_id = NameID(
        format=NAMEID_FORMAT_PERSISTENT,
        text=subject,
        name_qualifier=idp_entity_id(),
        sp_name_qualifier=service.entity_id,
    )
    server = _server(service)
    context = _authn_context(request)
    xml = str(
        server.create_authn_response(
            saml_attributes(service, released),
            pending.request_id,
            pending.acs_url,
            service.entity_id,
            name_id=name_id,
            authn=context,
            sign_response=True,
            sign_assertion=True,
            release_policy=_RegistryPolicy(
                restrictions={"default": {"lifetime": {"minutes": 5}}}, mds=server.metadata
            ),
        )
    )
    session_index = _session_index(xml)
    record_service_login(
        service=service,
        person=person,
        session_key=session_key,
        data={"name_id": subject, "session_index": session_index},
    )
    record(
        actor=person,
        action="sso.saml.assertion.issue",
        target=service,
        address=client_address(request),
        data={
            "request": pending.request_id[:100],
            "acs": pending.acs_url[:200],
            "class_ref": context["class_ref"],
            "authority": context.get("authn_auth", ""),
            "session_index": session_index,
            "session": session_key[:8],
        },
    )
    return Outgoing(pending.acs_url, post_fields(xml, "SAMLResponse", pending.relay_state))


def answer_authn_request(request: HttpRequest, *, token: str) -> Outgoing:
    """Resume a checked AuthnRequest: send the person to sign in (again, or more strongly) when
    needed, else answer the service with a signed assertion."""
    actor, address = _actor(request), client_address(request)
    service = None
    try:
        pending = PendingLogin(**unseal("idp-login", token))
        service = Service.objects.approved().filter(pk=pending.service_id).first()
        if service is None or service.protocol != Protocol.SAML:
            raise SamlError("unknown_service", _("This service is no longer approved."))
        level = service.min_level
        if not request.user.is_authenticated:
            if pending.is_passive:
                return _error_response(service, pending, samlp.STATUS_NO_PASSIVE, "passive")
            url = pending.url(renewed=pending.force_authn)
            return Outgoing(login_url(url, renew=pending.force_authn, level=level), {})
        if pending.force_authn and not pending.renewed:
            consume_fresh_login(request)  # an older proof must not count as the new one
            return Outgoing(login_url(pending.url(renewed=True), renew=True, level=level), {})
        if session_level(request) < level:
            if pending.is_passive:
                return _error_response(service, pending, samlp.STATUS_NO_PASSIVE, "level")
            return Outgoing(login_url(pending.url(), level=level), {})
        if pending.force_authn and not consume_fresh_login(request):
            raise SamlError("not_renewed", _("The service asked for a new sign-in."))
        person = request.user
        if not person.is_active or getattr(person, "suspended_at", None) is not None:
            raise SamlError("account_inactive", _("This account may not sign in."))
        if not may_use_connector(person, service):
            raise SamlError(
                "not_granted",
                _(
                    "You have not been given access to this service. "
                    "Ask your school's ENT administrator."
                ),
            )
        return issue_assertion(request, service=service, pending=pending)
    except SamlError as error:
        raise _refuse(
            error,
            actor=actor,
            action="sso.saml.assertion.refuse",
            service=service,
            address=address,
        ) from None


# --- Single logout -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingLogout:
    """A checked LogoutRequest from a service, to apply to the browser's session."""

    service_id: int
    request_id: str
    name_id: str
    session_indexes: list[str]
    relay_state: str
    binding: str

    def url(self) -> str:
        token = seal("idp-logout", asdict(self))
        return f"{reverse('sso:saml-idp-slo-continue')}?{urlencode({'request': token})}"


def receive_logout_request(
    *,
    actor: User | None,
    address: str | None,
    binding: str,
    message: str,
    relay_state: str = "",
    sig_alg: str | None = None,
    signature: str | None = None,
) -> PendingLogout:
    """Check a LogoutRequest from a service: approved, and signed with its certificate."""
    service = None
    try:
        if not message:
            raise SamlError("missing", _("No SAML request was received."))
        envelope = peek(decode_message(message, binding))
        if envelope.kind != "LogoutRequest":
            raise SamlError("malformed", _("This is not a SAML logout request."))
        service = _approved_service(envelope.issuer)
        if not (envelope.is_signed or signature):
            raise SamlError("unsigned", _("The logout request is not signed."))
        _check_peer_certificate(service)
        server = _server(service, require_signed_requests=True)
        parsed = _parse(
            server.parse_logout_request,
            message,
            binding,
            relay_state=relay_state or None,
            sigalg=sig_alg,
            signature=signature,
        )
        request = parsed.message
        return PendingLogout(
            service_id=service.pk,
            request_id=str(request.id),
            name_id=str(request.name_id.text if request.name_id is not None else ""),
            session_indexes=[str(index.text) for index in request.session_index or []],
            relay_state=relay_state,
            binding=binding,
        )
    except (SamlError, ValidationError) as error:
        refusal = (
            error
            if isinstance(error, SamlError)
            else SamlError("service_metadata", " ".join(error.messages))
        )
        raise _refuse(
            refusal,
            actor=actor,
            action="sso.saml.logout.refuse",
            service=service,
            address=address,
        ) from None


def _close_initiator(service: Service, session_key: str) -> None:
    """Close the initiating service's login first: it asked, it is not told again."""
    ServiceLogin.objects.open().filter(service=service, session_key=session_key).update(
        logged_out_at=timezone.now(), logout_outcome="logged out by the service"
    )


def answer_logout_request(request: HttpRequest, *, token: str) -> Outgoing | None:
    """End the browser's ENT session when it belongs to the person the service named, then
    answer the service with a signed LogoutResponse (None: it has no front-channel endpoint)."""
    actor, address = _actor(request), client_address(request)
    service = None
    try:
        pending = PendingLogout(**unseal("idp-logout", token))
        service = Service.objects.filter(pk=pending.service_id, protocol=Protocol.SAML).first()
        if service is None:
            raise SamlError("unknown_service", _("This service is not in the registry."))
    except SamlError as error:
        raise _refuse(
            error, actor=actor, action="sso.saml.logout.refuse", service=service, address=address
        ) from None
    person = actor
    outcome = "no session"
    if person is not None:
        outcome = "other person"
        if person_for_subject(service, pending.name_id) == person:
            _close_initiator(service, request.session.session_key or "")
            end_session(request, reason="saml_logout")
            outcome = "ended"
    record(
        actor=person,
        action="sso.saml.logout",
        target=service,
        address=address,
        data={"request": pending.request_id[:100], "outcome": outcome},
    )
    return logout_response(
        _server(service),
        peer=service.entity_id,
        descriptor="spsso",
        request_id=pending.request_id,
        relay_state=pending.relay_state,
        binding=pending.binding,
    )


def send_saml_logout(login: ServiceLogin) -> str:
    """Tell a SAML service that the person's ENT session ended: a signed LogoutRequest over
    SOAP to its back-channel SingleLogoutService (SOC-SEC-PII-02). Front-channel-only services
    cannot be reached without the browser."""
    service = login.service
    server = _server(service)
    soap = locations(
        server.metadata.single_logout_service, service.entity_id, BINDING_SOAP, "spsso"
    )
    if not soap:
        return "front-channel only"
    destination = str(soap[0]["location"])
    name_id = NameID(
        format=NAMEID_FORMAT_PERSISTENT,
        text=str(login.data.get("name_id", "")),
        name_qualifier=idp_entity_id(),
        sp_name_qualifier=service.entity_id,
    )
    index = str(login.data.get("session_index", ""))
    _, message = server.create_logout_request(
        destination,
        service.entity_id,
        name_id=name_id,
        session_indexes=[index] if index else None,
        expire=in_a_while(minutes=5),
        sign=True,
    )
    info = server.apply_binding(BINDING_SOAP, str(message), destination, sign=False)
    answer = requests.post(
        destination,
        data=info["data"],
        headers=dict(info["headers"]),
        timeout=LOGOUT_TIMEOUT,
    )
    if answer.status_code != 200:
        return f"failed: HTTP {answer.status_code}"
    try:
        parsed = server.parse_logout_request_response(answer.text, BINDING_SOAP)
    except Exception as error:  # a bad answer is an outcome to record, not a crash
        return f"failed: {type(error).__name__}"
    if parsed is None or not parsed.status_ok():
        return "failed: not confirmed"
    return "logged out"


register_logout_sender(Protocol.SAML, send_saml_logout)


# --- The registry ------------------------------------------------------------------------------


def register_saml_service(
    *,
    actor: User | None,
    name: str,
    metadata_xml: str,
    attributes: Iterable[str] = (),
    attribute_profile: str = "",
    subject_kind: str = SubjectKind.OPAQUE,
    min_level: int = 1,
    approve: bool = False,
) -> Service:
    """Register a SAML service provider from its metadata (entity id, ACS, SLO, certificate)."""
    peer = read_metadata(metadata_xml, "sp")
    if attribute_profile not in PROFILES:
        raise ValidationError(
            _("Unknown attribute profile %(profile)s (known: GAR).")
            % {"profile": attribute_profile}
        )
    if Service.objects.filter(protocol=Protocol.SAML, entity_id=peer.entity_id).exists():
        raise ValidationError(
            _("A SAML service with entity id %(entity_id)s already exists.")
            % {"entity_id": peer.entity_id}
        )
    return register_service(
        actor=actor,
        protocol=Protocol.SAML,
        name=name,
        attributes=attributes,
        subject_kind=subject_kind,
        min_level=min_level,
        entity_id=peer.entity_id,
        metadata_xml=metadata_xml,
        attribute_profile=attribute_profile,
        approve=approve,
    )


@transaction.atomic
def replace_service_metadata(*, actor: User | None, service: Service, metadata_xml: str) -> Service:
    """Replace a SAML service's metadata (a new certificate, new endpoints): same entity id."""
    if actor is not None and not actor.has_perm("sso.change_service"):
        raise PermissionDenied(_("Only operators may manage the service registry."))
    peer = read_metadata(metadata_xml, "sp")
    if peer.entity_id != service.entity_id:
        raise ValidationError(
            _("The metadata describes %(entity_id)s, not this service.")
            % {"entity_id": peer.entity_id}
        )
    service.metadata_xml = metadata_xml
    service.save(update_fields=["metadata_xml"])
    record(
        actor=actor,
        action="sso.service.metadata.replace",
        target=service,
        data={"entity_id": peer.entity_id},
    )
    return service
