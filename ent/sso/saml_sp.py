"""Federation: the ENT as a SAML 2.0 service provider of external identity providers,
EduConnect for pupils and parents and an agents' portal for staff (SOC-SEC-IAU, -PII-05).

An identity provider is data (`IdentityProvider`: its metadata, the attribute carrying the AAF
joint key, the level its proof is worth). A response is accepted only from a known, enabled
provider whose signing certificate is valid (SOC-SEC-IAU-10), with a signed assertion
(SOC-SEC-PII-07) meant for the ENT (audience, destination, recipient), not expired, never seen
before, and naming an active account through the AAF joint key. Every decision is audited
(SOC-SEC-APS-03): `sso.saml.federation.request`, `.accept`, `.refuse`, `.logout`; the session
that follows is an ordinary one with method FEDERATION, so CAS, SAML and OIDC services see how
the person was authenticated (PII-05).

SP-initiated requests carry their own state in their ID (HMAC-signed: the provider, where to
go next, when), since the IdP's cross-site POST to the ACS brings no session cookie.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.sigver import verify_redirect_signature

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import Source, User
from ent.identity.models import Method
from ent.identity.session import client_address, end_session, start_session

from .models import Audience, IdentityProvider, SeenAssertion
from .saml import (
    FEDERATION_SESSION_KEY,
    PENDING_SECONDS,
    Outgoing,
    SamlError,
    absolute,
    certificate_problem,
    decode_message,
    locations,
    logout_response,
    peek,
    post_fields,
    read_metadata,
    seal,
    sp_config,
    unseal,
)

AAF_VECTOR = "{AAF}"
# Session key of the accounts a person may choose between (a parent with several accounts).
CHOICE_SESSION_KEY = "ent.saml.choice"


def joint_keys(values: Iterable[str]) -> list[str]:
    """Return the AAF joint keys carried by the matching attribute's values.

    EduConnect's FrEduCtRefId values read `{AAF}<académie code>|<…>|<ENTPersonJointure>`; a
    parent gets one per child's record, so several may come. Values of other sources
    (`{SIECLE}…`) are ignored, and so are other académies' when ENT_SAML_AAF_ACADEMIES is set.
    A plain value is the joint key itself (an agents' portal sending it as such).
    """
    keys: list[str] = []
    for raw in values:
        value = raw.strip()
        if value.startswith("{"):
            if not value.upper().startswith(AAF_VECTOR):
                continue
            fields = value[len(AAF_VECTOR) :].split("|")
            academies = settings.ENT_SAML_AAF_ACADEMIES
            if academies and fields[0].strip() not in academies:
                continue
            value = fields[-1].strip()
        if value and value not in keys:
            keys.append(value)
    return keys


def _client(provider: IdentityProvider) -> Any:
    try:
        return Saml2Client(config=sp_config([provider.metadata_xml]))
    except Exception as error:  # pysaml2 raises bare exceptions on bad or outdated metadata
        raise SamlError(
            "provider_metadata",
            _("The metadata registered for this identity provider cannot be used."),
            detail=str(error)[:200],
        ) from None


def _refuse(
    error: SamlError,
    *,
    actor: User | None,
    provider: IdentityProvider | None,
    address: str | None,
    action: str = "sso.saml.federation.refuse",
) -> SamlError:
    record(
        actor=actor,
        action=action,
        target=provider,
        outcome=Outcome.FAILURE,
        address=address,
        data={"reason": error.reason, **error.data},
    )
    return error


def _provider(issuer: str) -> IdentityProvider:
    provider = IdentityProvider.objects.filter(entity_id=issuer, is_enabled=True).first()
    if provider is None:
        raise SamlError(
            "unknown_issuer",
            _("This identity provider is not one the ENT trusts."),
            issuer=issuer[:200],
        )
    problem = certificate_problem(read_metadata(provider.metadata_xml, "idp"))
    if problem:
        # SOC-SEC-IAU-10: a peer is trusted only through a certificate in its validity period.
        raise SamlError("certificate", problem)
    return provider


def safe_next(url: str) -> str:
    """Return `url` when it is a path of this site, else "" (no open redirect)."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=set()):
        return url
    return ""


# --- SP-initiated sign-in ----------------------------------------------------------------------


def _request_id(provider: IdentityProvider, next_url: str) -> str:
    data = {"p": provider.pk, "n": next_url[:300], "t": int(timezone.now().timestamp())}
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    mac = salted_hmac("ent.sso.saml.sp.request", payload).hexdigest()[:32]
    # An XML ID is an NCName: "_", letters, digits, "-", "_" and "." only.
    return f"_{payload}.{mac}"


def _requested_next(request_id: str, provider: IdentityProvider) -> str:
    """Check that `request_id` is a recent request of the ENT to `provider`; return its next."""
    payload, _dot, mac = request_id[1:].rpartition(".")
    expected = salted_hmac("ent.sso.saml.sp.request", payload).hexdigest()[:32]
    refusal = SamlError(
        "unknown_request",
        _("This answer does not match a recent sign-in request of the ENT."),
        request=request_id[:100],
    )
    if not payload or not constant_time_compare(mac, expected):
        raise refusal
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        raise refusal from None
    age = timezone.now().timestamp() - int(data.get("t", 0))
    if data.get("p") != provider.pk or not 0 <= age <= PENDING_SECONDS:
        raise refusal
    return str(data.get("n", ""))


def start_federated_login(
    *, actor: User | None, address: str | None, provider: IdentityProvider, next_url: str
) -> Outgoing:
    """Send the person to `provider` with a signed AuthnRequest (HTTP-Redirect when its
    metadata offers it, else HTTP-POST)."""
    try:
        _provider(provider.entity_id)
        client = _client(provider)
        request_id = _request_id(provider, safe_next(next_url))
        redirect = client.metadata.single_sign_on_service(provider.entity_id, BINDING_HTTP_REDIRECT)
        if redirect:
            _, info = client.prepare_for_authenticate(
                entityid=provider.entity_id,
                binding=BINDING_HTTP_REDIRECT,
                message_id=request_id,
                sign=True,
            )
            outgoing = Outgoing(dict(info["headers"])["Location"], {})
        else:
            posts = locations(
                client.metadata.single_sign_on_service, provider.entity_id, BINDING_HTTP_POST
            )
            if not posts:
                raise SamlError(
                    "provider_metadata",
                    _("The identity provider's metadata offers no sign-in address."),
                )
            destination = str(posts[0]["location"])
            _, xml = client.create_authn_request(
                destination, binding=BINDING_HTTP_POST, message_id=request_id, sign=True
            )
            outgoing = Outgoing(destination, post_fields(str(xml), "SAMLRequest", ""))
    except SamlError as error:
        raise _refuse(error, actor=actor, provider=provider, address=address) from None
    record(
        actor=actor,
        action="sso.saml.federation.request",
        target=provider,
        address=address,
        data={"request": request_id[:100]},
    )
    return outgoing


# --- Responses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Federated:
    """An accepted external proof of identity and the accounts it designates."""

    provider_id: int
    entity_id: str
    level: int
    people: list[int]
    name_id: str
    name_id_format: str
    session_index: str
    class_ref: str
    assertion_id: str
    next_url: str


def _classify(error: Exception) -> SamlError:
    name, text = type(error).__name__, str(error)
    lowered = text.lower()
    if "missing" in lowered and "signature" in lowered:
        reason = "unsigned"
    elif "Sign" in name or "signature" in lowered:
        reason = "bad_signature"
    elif any(word in name for word in ("Lifetime", "ToOld", "TooOld", "ToEarly", "TimeUtil")):
        reason = "expired"
    elif "audience" in lowered:
        reason = "wrong_audience"
    elif "recipient" in lowered or "destination" in lowered:
        reason = "wrong_destination"
    elif "Unsolicited" in name:
        reason = "unknown_request"
    elif "Status" in name:
        reason = "provider_error"
    else:
        reason = "invalid_response"
    return SamlError(
        reason,
        _("The identity provider's answer was refused (%(reason)s).") % {"reason": reason},
        detail=f"{name}: {text}"[:200],
    )


def _expiry(response: Any) -> datetime:
    """Return when the assertion stops being valid: it is remembered until then."""
    instants = []
    assertion = response.assertion
    if assertion.conditions is not None and assertion.conditions.not_on_or_after:
        instants.append(assertion.conditions.not_on_or_after)
    for confirmation in assertion.subject.subject_confirmation or []:
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            instants.append(data.not_on_or_after)
    moments = []
    for value in instants:
        try:
            moments.append(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
        except ValueError:
            continue
    latest = max(moments, default=timezone.now() + timedelta(hours=1))
    return latest if latest.tzinfo else latest.replace(tzinfo=UTC)


def _remember(provider: IdentityProvider, assertion_id: str, expires_at: datetime) -> None:
    """Refuse an assertion already accepted, then keep its ID until it expires."""
    SeenAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            SeenAssertion.objects.create(
                provider=provider, assertion_id=assertion_id[:200], expires_at=expires_at
            )
    except IntegrityError:
        raise SamlError(
            "replayed",
            _("This answer of the identity provider was already used."),
            assertion=assertion_id[:100],
        ) from None


def _values(assertion: Any, name: str) -> list[str]:
    """Return the values of attribute `name` (its Name or FriendlyName, any case)."""
    wanted = name.lower()
    values: list[str] = []
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            names = {str(attribute.name or "").lower(), str(attribute.friendly_name or "").lower()}
            if wanted in names:
                values.extend(str(v.text or "") for v in attribute.attribute_value or [])
    return values


def _accounts(provider: IdentityProvider, assertion: Any) -> list[int]:
    keys = joint_keys(_values(assertion, provider.match_attribute))
    if not keys:
        raise SamlError(
            "no_joint_key",
            _("The identity provider did not say which account of the ENT this is."),
            attribute=provider.match_attribute,
        )
    people = list(
        User.objects.filter(external_ids__source=Source.AAF, external_ids__value__in=keys)
        .distinct()
        .order_by("pk")
    )
    if not people:
        raise SamlError(
            "no_account",
            _("No account of the ENT matches this identity."),
            keys=keys[:10],
        )
    usable = [p.pk for p in people if p.is_active and p.suspended_at is None]
    if not usable:
        raise SamlError(
            "account_inactive",
            _("The matching account of the ENT is deactivated or suspended."),
            people=[p.pk for p in people][:10],
        )
    return usable


def _parse_response(
    client: Any, provider: IdentityProvider, message: str, outstanding: dict[str, str]
) -> Any:
    try:
        response = client.parse_authn_request_response(message, BINDING_HTTP_POST, outstanding)
    except Exception as error:  # pysaml2 signals every refusal with an exception
        raise _classify(error) from None
    if response is None or response.assertion is None:
        raise SamlError("invalid_response", _("The identity provider's answer is not valid."))
    issuer = response.assertion.issuer
    if issuer is None or (issuer.text or "").strip() != provider.entity_id:
        raise SamlError("unknown_issuer", _("The assertion was issued by another provider."))
    return response


def receive_response(
    *, actor: User | None, address: str | None, message: str, relay_state: str = ""
) -> Federated:
    """Check a Response posted to the ACS (SP- or IdP-initiated) and return the accounts it
    designates. Every refusal is audited and raised; nobody is signed in here."""
    provider = None
    try:
        if not message:
            raise SamlError("missing", _("No SAML response was received."))
        envelope = peek(decode_message(message, BINDING_HTTP_POST))
        if envelope.kind != "Response":
            raise SamlError("malformed", _("This is not a SAML response."))
        provider = _provider(envelope.issuer)
        acs = absolute("sso:saml-sp-acs")
        if envelope.destination and envelope.destination != acs:
            raise SamlError(
                "wrong_destination",
                _("This answer was meant for another address."),
                destination=envelope.destination[:200],
            )
        next_url, outstanding = safe_next(relay_state), {}
        if envelope.in_response_to:
            next_url = _requested_next(envelope.in_response_to, provider)
            outstanding = {envelope.in_response_to: next_url}
        response = _parse_response(_client(provider), provider, message, outstanding)
        assertion = response.assertion
        _remember(provider, str(assertion.id), _expiry(response))
        people = _accounts(provider, assertion)
    except SamlError as error:
        raise _refuse(error, actor=actor, provider=provider, address=address) from None
    statement = (assertion.authn_statement or [None])[0]
    context = statement.authn_context if statement is not None else None
    class_ref = context.authn_context_class_ref if context is not None else None
    return Federated(
        provider_id=provider.pk,
        entity_id=provider.entity_id,
        level=provider.level,
        people=people,
        name_id=str(response.name_id.text if response.name_id is not None else ""),
        name_id_format=str(response.name_id.format or "") if response.name_id is not None else "",
        session_index=str(statement.session_index or "") if statement is not None else "",
        class_ref=str(class_ref.text or "") if class_ref is not None else "",
        assertion_id=str(assertion.id),
        next_url=next_url,
    )


def sign_in_federated(request: HttpRequest, *, federated: Federated, person_id: int) -> str:
    """Open an ENT session for one of the designated accounts; return where to go next."""
    if person_id not in federated.people:
        raise PermissionDenied
    person = User.objects.get(pk=person_id)
    provider = IdentityProvider.objects.get(pk=federated.provider_id)
    start_session(request, person, method=Method.FEDERATION, level=federated.level)
    request.session[FEDERATION_SESSION_KEY] = {
        "provider": provider.pk,
        "entity_id": federated.entity_id,
        "name_id": federated.name_id,
        "name_id_format": federated.name_id_format,
        "session_index": federated.session_index,
        "class_ref": federated.class_ref,
    }
    record(
        actor=person,
        action="sso.saml.federation.accept",
        target=provider,
        address=client_address(request),
        data={
            "assertion": federated.assertion_id[:100],
            "name_id": federated.name_id[:100],
            "class_ref": federated.class_ref[:200],
            "session_index": federated.session_index[:100],
        },
    )
    return federated.next_url or resolve_url(settings.LOGIN_REDIRECT_URL)


def offer_choice(request: HttpRequest, federated: Federated) -> None:
    """Keep the designated accounts in the session for the person to pick one (a parent
    whose children are known under several accounts)."""
    request.session[CHOICE_SESSION_KEY] = {
        **asdict(federated),
        "at": timezone.now().timestamp(),
    }


def pending_choice(request: HttpRequest) -> Federated | None:
    """Return the accounts waiting to be chosen, if still recent."""
    data = dict(request.session.get(CHOICE_SESSION_KEY) or {})
    at = float(data.pop("at", 0))
    if not data or timezone.now().timestamp() - at > PENDING_SECONDS:
        return None
    return Federated(**data)


def choose_account(request: HttpRequest, *, person_id: int) -> str:
    """Sign in with the account the person picked among those designated."""
    federated = pending_choice(request)
    if federated is None:
        raise PermissionDenied
    request.session.pop(CHOICE_SESSION_KEY, None)
    return sign_in_federated(request, federated=federated, person_id=person_id)


def choice_people(federated: Federated) -> list[User]:
    """Return the accounts offered, in a stable order."""
    return list(User.objects.filter(pk__in=federated.people).order_by("last_name", "pk"))


# --- Single logout from the identity provider --------------------------------------------------


@dataclass(frozen=True)
class PendingFederationLogout:
    """A checked LogoutRequest from an identity provider."""

    provider_id: int
    request_id: str
    name_id: str
    relay_state: str
    binding: str

    def url(self) -> str:
        token = seal("sp-logout", asdict(self))
        return f"{reverse('sso:saml-sp-slo-continue')}?{urlencode({'request': token})}"


def _check_redirect_signature(
    client: Any, provider: IdentityProvider, params: dict[str, str]
) -> None:
    if not params.get("Signature") or not params.get("SigAlg"):
        raise SamlError("unsigned", _("The logout request is not signed."))
    message = {
        k: params[k] for k in ("SAMLRequest", "RelayState", "SigAlg", "Signature") if k in params
    }
    certificates = client.metadata.certs(provider.entity_id, "idpsso", "signing")
    try:
        verified = any(
            verify_redirect_signature(message, client.sec.sec_backend, certificate)
            for _name, certificate in certificates
        )
    except Exception:  # a malformed signature is a bad signature
        verified = False
    if not verified:
        raise SamlError("bad_signature", _("The logout request is not correctly signed."))


def receive_federation_logout(
    *, actor: User | None, address: str | None, binding: str, params: dict[str, str]
) -> PendingFederationLogout | None:
    """Check a LogoutRequest of an identity provider (None: it is a LogoutResponse, nothing to
    do)."""
    provider = None
    try:
        message = params.get("SAMLRequest", "")
        if not message:
            if params.get("SAMLResponse"):
                return None
            raise SamlError("missing", _("No SAML request was received."))
        envelope = peek(decode_message(message, binding))
        if envelope.kind != "LogoutRequest":
            raise SamlError("malformed", _("This is not a SAML logout request."))
        provider = _provider(envelope.issuer)
        client = _client(provider)
        if binding == BINDING_HTTP_REDIRECT:
            _check_redirect_signature(client, provider, params)
        elif not envelope.is_signed:
            raise SamlError("unsigned", _("The logout request is not signed."))
        try:
            parsed = client.parse_logout_request(message, binding)
        except Exception as error:  # pysaml2's refusals are exceptions
            raise _classify(error) from None
        if parsed is None:
            raise SamlError("invalid_request", _("The logout request is not valid."))
        request = parsed.message
    except SamlError as error:
        raise _refuse(
            error,
            actor=actor,
            provider=provider,
            address=address,
            action="sso.saml.federation.logout.refuse",
        ) from None
    return PendingFederationLogout(
        provider_id=provider.pk,
        request_id=str(request.id),
        name_id=str(request.name_id.text if request.name_id is not None else ""),
        relay_state=params.get("RelayState", ""),
        binding=binding,
    )


def answer_federation_logout(request: HttpRequest, *, token: str) -> Outgoing | None:
    """End the ENT session the identity provider opened for this person, then answer it."""
    actor: User | None = request.user if request.user.is_authenticated else None
    address = client_address(request)
    try:
        pending = PendingFederationLogout(**unseal("sp-logout", token))
        provider = IdentityProvider.objects.filter(pk=pending.provider_id).first()
        if provider is None:
            raise SamlError("unknown_issuer", _("This identity provider is no longer known."))
    except SamlError as error:
        raise _refuse(
            error,
            actor=actor,
            provider=None,
            address=address,
            action="sso.saml.federation.logout.refuse",
        ) from None
    federation = request.session.get(FEDERATION_SESSION_KEY) or {}
    outcome = "no session"
    if actor is not None:
        outcome = "other session"
        if federation.get("provider") == provider.pk and federation.get("name_id") == (
            pending.name_id
        ):
            end_session(request, reason="federation_logout")
            outcome = "ended"
    record(
        actor=actor,
        action="sso.saml.federation.logout",
        target=provider,
        address=address,
        data={"request": pending.request_id[:100], "outcome": outcome},
    )
    return logout_response(
        _client(provider),
        peer=provider.entity_id,
        descriptor="idpsso",
        request_id=pending.request_id,
        relay_state=pending.relay_state,
        binding=pending.binding,
    )


# --- Registration and reading ------------------------------------------------------------------


@transaction.atomic
def register_identity_provider(
    *,
    actor: User | None,
    name: str,
    slug: str,
    audience: str,
    metadata_xml: str,
    match_attribute: str,
    level: int = 1,
) -> IdentityProvider:
    """Trust an external identity provider from its metadata (SOC-SEC-PII-06: its signing
    certificate, valid now, is what identifies it)."""
    if actor is not None and not actor.has_perm("sso.add_identityprovider"):
        raise PermissionDenied(_("Only operators may register identity providers."))
    if audience not in Audience.values:
        raise ValidationError(
            _("Unknown audience %(audience)s (known: %(known)s).")
            % {"audience": audience, "known": ", ".join(Audience.values)}
        )
    if level < 1:
        raise ValidationError(_("The level must be 1 or more."))
    if not match_attribute.strip():
        raise ValidationError(_("The matching attribute is required."))
    peer = read_metadata(metadata_xml, "idp")
    problem = certificate_problem(peer)
    if problem:
        raise ValidationError(problem)
    if IdentityProvider.objects.filter(entity_id=peer.entity_id).exists():
        raise ValidationError(
            _("An identity provider with entity id %(entity_id)s already exists.")
            % {"entity_id": peer.entity_id}
        )
    if IdentityProvider.objects.filter(slug=slug).exists():
        raise ValidationError(_("The short name %(slug)s is taken.") % {"slug": slug})
    provider = IdentityProvider.objects.create(
        name=name,
        slug=slug,
        audience=audience,
        entity_id=peer.entity_id,
        metadata_xml=metadata_xml,
        match_attribute=match_attribute.strip(),
        level=level,
    )
    record(
        actor=actor,
        action="sso.identity_provider.register",
        target=provider,
        data={"entity_id": peer.entity_id, "audience": audience, "level": level},
    )
    return provider


@transaction.atomic
def replace_provider_metadata(
    *, actor: User | None, provider: IdentityProvider, metadata_xml: str
) -> IdentityProvider:
    """Replace an identity provider's metadata (certificate renewal): same entity id, and a
    signing certificate valid now."""
    if actor is not None and not actor.has_perm("sso.change_identityprovider"):
        raise PermissionDenied(_("Only operators may register identity providers."))
    peer = read_metadata(metadata_xml, "idp")
    if peer.entity_id != provider.entity_id:
        raise ValidationError(
            _("The metadata describes %(entity_id)s, not this identity provider.")
            % {"entity_id": peer.entity_id}
        )
    problem = certificate_problem(peer)
    if problem:
        raise ValidationError(problem)
    provider.metadata_xml = metadata_xml
    provider.save(update_fields=["metadata_xml"])
    record(
        actor=actor,
        action="sso.identity_provider.metadata.replace",
        target=provider,
        data={"entity_id": peer.entity_id},
    )
    return provider


def providers_by_audience() -> dict[str, list[IdentityProvider]]:
    """Return the enabled identity providers offered on the discovery page, per audience."""
    grouped: dict[str, list[IdentityProvider]] = {value: [] for value in Audience.values}
    for provider in IdentityProvider.objects.filter(is_enabled=True).order_by("name"):
        grouped.setdefault(provider.audience, []).append(provider)
    return grouped


def certificate_expiry(provider: IdentityProvider) -> datetime | None:
    """Return when the last of the provider's signing certificates expires."""
    try:
        peer = read_metadata(provider.metadata_xml, "idp")
    except ValidationError:
        return None
    ends = [c.not_valid_after_utc for c in peer.signing_certificates]
    return max(ends) if ends else None
