"""Shared SAML 2.0 plumbing: the signing key pair, peers' metadata and certificates, pysaml2
configurations (built here and nowhere else, cached) and the decoding of incoming messages.

The ENT is both an identity provider (for SAML services such as the GAR, `saml_idp`) and a
service provider (towards EduConnect and agents' portals, `saml_sp`). Both sign with the same
key pair: ENT_SAML_KEY_FILE / ENT_SAML_CERT_FILE, or, in embedded mode, a self-signed pair
generated once into DATA_DIR.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import shutil
import tempfile
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, samlp
from saml2.config import Config, IdPConfig, SPConfig
from saml2.metadata import entity_descriptor, sign_entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, Issuer
from saml2.sigver import security_context
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
NS = {"md": MD, "saml": ASSERTION, "samlp": PROTOCOL, "ds": DSIG}

# Incoming messages larger than this are refused before they are inflated or parsed.
MAX_MESSAGE_BYTES = 512 * 1024
# Clock difference tolerated with peers, in seconds.
CLOCK_SKEW = 60
# Seconds a checked request may wait for the person to sign in before it must start again.
PENDING_SECONDS = 900
# Session key holding how a federated session was proved: the external identity provider's
# entity id, its authentication context, NameID and SessionIndex (SOC-SEC-PII-05).
FEDERATION_SESSION_KEY = "ent.saml.federation"


class SamlError(Exception):
    """A SAML message the ENT refuses: `reason` is a stable code for the audit trail, `message`
    the sentence shown to the person."""

    def __init__(self, reason: str, message: str, **data: Any) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.data = data


@dataclass(frozen=True)
class Outgoing:
    """A SAML message sent through the browser: a redirect (`fields` empty) or a form the
    browser posts to `url`."""

    url: str
    fields: dict[str, str]

    @property
    def is_post(self) -> bool:
        return bool(self.fields)


# --- The ENT's own endpoints -------------------------------------------------------------------


def absolute(name: str, **kwargs: Any) -> str:
    """Return the public URL of the ENT's view `name` (ENT_SAML_BASE_URL, not the request's
    host, so that entity ids and endpoints never depend on how a page was reached)."""
    return settings.ENT_SAML_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def idp_entity_id() -> str:
    """Return the entity id of the ENT as an identity provider."""
    return absolute("sso:saml-idp-metadata")


def sp_entity_id() -> str:
    """Return the entity id of the ENT as a service provider (federation)."""
    return absolute("sso:saml-sp-metadata")


# --- Keys and certificates ---------------------------------------------------------------------


def generate_key_pair(
    key_path: Path,
    cert_path: Path,
    *,
    common_name: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_size: int = 3072,
) -> None:
    """Write a new RSA key and its self-signed certificate (PEM) to the two paths."""
    start = not_before or timezone.now() - timedelta(minutes=5)
    end = not_after or start + timedelta(days=3650)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _embedded_pair() -> tuple[Path, Path]:
    """Return the embedded key pair, generating it once into DATA_DIR/saml-signing."""
    folder = Path(settings.DATA_DIR) / "saml-signing"
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    draft = Path(tempfile.mkdtemp(prefix="saml-signing-", dir=settings.DATA_DIR))
    generate_key_pair(draft / "key.pem", draft / "cert.pem", common_name=idp_entity_id())
    try:
        # Renaming a whole folder is atomic: two processes starting together keep one pair.
        os.rename(draft, folder)
    except OSError:
        shutil.rmtree(draft, ignore_errors=True)
    return key_path, cert_path


def signing_pair() -> tuple[str, str]:
    """Return the paths of the ENT's SAML signing key and certificate."""
    if settings.ENT_SAML_KEY_FILE and settings.ENT_SAML_CERT_FILE:
        return settings.ENT_SAML_KEY_FILE, settings.ENT_SAML_CERT_FILE
    key_path, cert_path = _embedded_pair()
    return str(key_path), str(cert_path)


# --- Peers' metadata ---------------------------------------------------------------------------


def parse_xml(text: str) -> Element:
    """Parse untrusted XML (no entities, no external references)."""
    try:
        root: Element = fromstring(text)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise SamlError(
            "malformed", _("The SAML message could not be read."), detail=str(error)[:200]
        ) from None
    return root


def _certificate(text: str) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split())))
    except (ValueError, binascii.Error):
        return None


def _is_current(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


@dataclass(frozen=True)
class PeerMetadata:
    """What the ENT reads in a peer's metadata before handing it to pysaml2."""

    entity_id: str
    signing_certificates: tuple[x509.Certificate, ...]
    signs_requests: bool = False


def read_metadata(xml: str, role: str) -> PeerMetadata:
    """Read the entity id and signing certificates of a peer's metadata; `role` is "idp" or
    "sp". Raise ValidationError when it is not usable metadata for that role."""
    try:
        root = parse_xml(xml)
    except SamlError:
        raise ValidationError(_("The metadata is not well-formed XML.")) from None
    if root.tag == f"{{{MD}}}EntitiesDescriptor":
        entities = root.findall("md:EntityDescriptor", NS)
        if len(entities) != 1:
            raise ValidationError(_("The metadata must describe exactly one entity."))
        root = entities[0]
    if root.tag != f"{{{MD}}}EntityDescriptor" or not root.get("entityID"):
        raise ValidationError(_("The metadata has no EntityDescriptor with an entityID."))
    descriptor = root.find("md:IDPSSODescriptor" if role == "idp" else "md:SPSSODescriptor", NS)
    if descriptor is None:
        raise ValidationError(
            _("The metadata does not describe an identity provider.")
            if role == "idp"
            else _("The metadata does not describe a service provider.")
        )
    needed = "md:SingleSignOnService" if role == "idp" else "md:AssertionConsumerService"
    if descriptor.find(needed, NS) is None:
        raise ValidationError(
            _("The metadata has no %(element)s.") % {"element": needed.split(":", 1)[1]}
        )
    certificates = []
    for key in descriptor.findall("md:KeyDescriptor", NS):
        if key.get("use", "signing") != "signing":
            continue
        for node in key.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
            certificate = _certificate(node.text or "")
            if certificate is not None:
                certificates.append(certificate)
    signs = descriptor.get("AuthnRequestsSigned", "false").strip().lower() in {"true", "1"}
    return PeerMetadata(str(root.get("entityID")), tuple(certificates), signs)


def certificate_problem(metadata: PeerMetadata, now: datetime | None = None) -> str:
    """Say why a peer's signing certificates cannot be trusted now ("" when one is valid).
    SOC-SEC-IAU-10: certificates must be in their validity period."""
    moment = now or timezone.now()
    if not metadata.signing_certificates:
        return _("The metadata holds no signing certificate.")
    if not any(_is_current(c, moment) for c in metadata.signing_certificates):
        return _("Every signing certificate in the metadata has expired or is not valid yet.")
    return ""


def _usable_metadata(xml: str, now: datetime) -> str:
    """Return the metadata without the certificates outside their validity period, so that
    pysaml2 never verifies a signature with an expired certificate (SOC-SEC-IAU-10)."""
    root = parse_xml(xml)
    changed = False
    for parent in root.iter():
        for key in parent.findall("md:KeyDescriptor", NS):
            nodes = key.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
            certificates = [_certificate(node.text or "") for node in nodes]
            if nodes and not any(c is not None and _is_current(c, now) for c in certificates):
                parent.remove(key)
                changed = True
    return tostring(root, encoding="unicode") if changed else xml


# --- pysaml2 configurations --------------------------------------------------------------------

_CACHE: dict[tuple[object, ...], Config] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def _cached(key: tuple[object, ...], build: Any) -> Config:
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    config: Config = build()
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = config
    return config


def _settings_key() -> tuple[object, ...]:
    key_file, cert_file = signing_pair()
    return (
        settings.ENT_SAML_BASE_URL,
        settings.ENT_SAML_XMLSEC_BINARY,
        key_file,
        cert_file,
        os.path.getmtime(cert_file),
    )


def _metadata_key(peers: Iterable[str], now: datetime) -> tuple[str, str]:
    """Return the peers' metadata as pysaml2 will see it, and a digest naming that version."""
    usable = [_usable_metadata(xml, now) for xml in peers]
    digest = hashlib.sha256("\0".join(usable).encode()).hexdigest()
    return digest, "\0".join(usable)


def _common(entity_id: str, peers: str) -> dict[str, Any]:
    key_file, cert_file = signing_pair()
    options: dict[str, Any] = {
        "entityid": entity_id,
        "name": settings.ENT_PROJECT_NAME,
        "xmlsec_binary": settings.ENT_SAML_XMLSEC_BINARY,
        "key_file": key_file,
        "cert_file": cert_file,
        "accepted_time_diff": CLOCK_SKEW,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "delete_tmpfiles": True,
        "allow_unknown_attributes": True,
    }
    if peers:
        options["metadata"] = {"inline": peers.split("\0")}
    return options


def idp_config(peers: Iterable[str] = (), *, require_signed_requests: bool = False) -> Config:
    """Return the ENT's identity-provider configuration trusting the SPs of `peers` (their
    metadata); requests must be signed when `require_signed_requests` is set."""
    digest, usable = _metadata_key(peers, timezone.now())
    key = ("idp", *_settings_key(), digest, require_signed_requests)

    def build() -> Config:
        sso, slo = absolute("sso:saml-idp-sso"), absolute("sso:saml-idp-slo")
        options = _common(idp_entity_id(), usable)
        options["service"] = {
            "idp": {
                "name": settings.ENT_PROJECT_NAME,
                "endpoints": {
                    "single_sign_on_service": [
                        (sso, BINDING_HTTP_REDIRECT),
                        (sso, BINDING_HTTP_POST),
                    ],
                    "single_logout_service": [
                        (slo, BINDING_HTTP_REDIRECT),
                        (slo, BINDING_HTTP_POST),
                    ],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "sign_response": True,
                "sign_assertion": True,
                "want_authn_requests_signed": require_signed_requests,
                "policy": {"default": {"lifetime": {"minutes": 5}}},
            }
        }
        config = IdPConfig()
        config.load(options)
        return config

    return _cached(key, build)


def sp_config(peers: Iterable[str] = ()) -> Config:
    """Return the ENT's service-provider configuration trusting the IdPs of `peers`."""
    digest, usable = _metadata_key(peers, timezone.now())
    key = ("sp", *_settings_key(), digest)

    def build() -> Config:
        acs, slo = absolute("sso:saml-sp-acs"), absolute("sso:saml-sp-slo")
        options = _common(sp_entity_id(), usable)
        options["service"] = {
            "sp": {
                "name": settings.ENT_PROJECT_NAME,
                "endpoints": {
                    "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (slo, BINDING_HTTP_REDIRECT),
                        (slo, BINDING_HTTP_POST),
                    ],
                },
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                # SOC-SEC-PII-07: an identity is accepted only inside a signed assertion.
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": True,
            }
        }
        config = SPConfig()
        config.load(options)
        return config

    return _cached(key, build)


def signed_metadata(config: Config) -> str:
    """Return the ENT's metadata for `config`, signed with its key."""
    descriptor = entity_descriptor(config)
    _, xml = sign_entity_descriptor(
        descriptor, None, security_context(config), SIG_RSA_SHA256, DIGEST_SHA256
    )
    return str(xml)


FRONT_CHANNEL = (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)
BACK_CHANNEL = (BINDING_SOAP,)


# --- Incoming messages -------------------------------------------------------------------------


def decode_message(value: str, binding: str) -> str:
    """Return the XML of a SAMLRequest/SAMLResponse parameter sent with `binding`."""
    if len(value) > MAX_MESSAGE_BYTES:
        raise SamlError("too_large", _("The SAML message is too large."))
    try:
        raw = base64.b64decode(value, validate=False)
        if binding == BINDING_HTTP_REDIRECT:
            inflater = zlib.decompressobj(-15)
            raw = inflater.decompress(raw, MAX_MESSAGE_BYTES)
            if inflater.unconsumed_tail:
                raise SamlError("too_large", _("The SAML message is too large."))
        return raw.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError):
        raise SamlError("malformed", _("The SAML message could not be read.")) from None


@dataclass(frozen=True)
class Envelope:
    """The unverified outside of a message: enough to find who sent it and whether to look
    further. Nothing here is trusted before pysaml2 has checked the signature."""

    kind: str
    message_id: str
    issuer: str
    destination: str
    in_response_to: str
    is_signed: bool


def peek(xml: str) -> Envelope:
    """Read the envelope of a SAML protocol message."""
    root = parse_xml(xml)
    if not root.tag.startswith(f"{{{PROTOCOL}}}"):
        raise SamlError("malformed", _("This is not a SAML 2.0 protocol message."))
    issuer = root.findtext("saml:Issuer", "", NS).strip()
    if not issuer:
        issuer = root.findtext("saml:Assertion/saml:Issuer", "", NS).strip()
    return Envelope(
        kind=root.tag.split("}", 1)[1],
        message_id=root.get("ID", ""),
        issuer=issuer,
        destination=root.get("Destination", ""),
        in_response_to=root.get("InResponseTo", ""),
        is_signed=root.find("ds:Signature", NS) is not None,
    )


def seal(kind: str, data: dict[str, Any]) -> str:
    """Return a signed, compressed token carrying `data` through the browser."""
    return signing.dumps(data, salt=f"ent.sso.saml.{kind}", compress=True)


def unseal(kind: str, token: str) -> dict[str, Any]:
    """Return the data of a token from `seal` that is intact and recent enough."""
    try:
        data: dict[str, Any] = signing.loads(
            token, salt=f"ent.sso.saml.{kind}", max_age=PENDING_SECONDS
        )
    except signing.BadSignature:
        raise SamlError(
            "expired_request",
            _("This sign-in request has expired or was altered: go back to the service."),
        ) from None
    return data


def post_fields(xml: str, key: str, relay_state: str) -> dict[str, str]:
    """Return the form fields carrying `xml` with the HTTP-POST binding."""
    fields = {key: base64.b64encode(xml.encode("utf-8")).decode("ascii")}
    if relay_state:
        fields["RelayState"] = relay_state
    return fields


def locations(lookup: Any, *args: Any) -> list[dict[str, Any]]:
    """Return the endpoints a pysaml2 metadata lookup finds; [] when the peer has none for
    that binding (pysaml2 raises then)."""
    try:
        return list(lookup(*args) or [])
    except Exception:  # pysaml2's UnsupportedBinding and KeyError mean "none"
        return []


def logout_response(
    entity: Any,
    *,
    peer: str,
    descriptor: str,
    request_id: str,
    relay_state: str,
    binding: str,
) -> Outgoing | None:
    """Return the signed LogoutResponse `entity` (a pysaml2 Server or Saml2Client) sends back
    through the browser to `peer`'s SingleLogoutService, preferring the binding the request
    came with; None when the peer has no front-channel endpoint."""
    for candidate in dict.fromkeys([binding, *FRONT_CHANNEL]):
        if candidate not in FRONT_CHANNEL:
            continue
        found = locations(entity.metadata.single_logout_service, peer, candidate, descriptor)
        if found:
            break
    else:
        return None
    location = str(found[0].get("response_location") or found[0]["location"])
    request = samlp.LogoutRequest(id=request_id, issuer=Issuer(text=peer))
    if candidate == BINDING_HTTP_POST:
        xml = entity.create_logout_response(request, [candidate], sign=True)
        return Outgoing(location, post_fields(str(xml), "SAMLResponse", relay_state))
    response = entity.create_logout_response(request, [candidate], sign=False)
    info = entity.apply_binding(
        candidate, str(response), location, relay_state, response=True, sign=True
    )
    return Outgoing(dict(info["headers"])["Location"], {})
