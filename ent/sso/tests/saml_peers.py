"""What the SAML tests share: key pairs, real pysaml2 peers built here (a service provider in
front of the ENT's identity provider, an identity provider in front of its federation service
provider), signing people in, reading auto-POST forms, and a tiny HTTP server on 127.0.0.1
standing for a service's SOAP logout endpoint."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP
from saml2.client import Saml2Client
from saml2.config import IdPConfig, SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from ent.identity.session import LEVEL_PASSWORD, start_session
from ent.sso.saml import generate_key_pair

XMLSEC = "/usr/bin/xmlsec1"
ENT = "https://ent.example.org"
SP_ENTITY = "https://sp.example.org/saml/metadata"
SP_ACS = "https://sp.example.org/saml/acs"
SP_SLO = "https://sp.example.org/saml/slo"
IDP_ENTITY = "https://educonnect.example.org/idp"
IDP_SSO = "https://educonnect.example.org/sso"
IDP_SLO = "https://educonnect.example.org/slo"
# EduConnect's attributes (standards.md §3.1): the AAF joint key travels in FrEduCtRefId.
REF_ID = "FrEduCtRefId"


def key_pair(
    folder: Path,
    name: str,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> tuple[str, str]:
    """Write a key pair named `name` into `folder`; return (key file, certificate file)."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / f"{name}.key", folder / f"{name}.crt"
    if not key.exists():
        generate_key_pair(
            key,
            cert,
            common_name=name,
            not_before=not_before,
            not_after=not_after,
            key_size=2048,
        )
    return str(key), str(cert)


def open_session(person, *, level: int = LEVEL_PASSWORD, method: str = "PASSWORD") -> str:
    """Open a session as the login page does once credentials are accepted."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    start_session(request, person, method=method, level=level)
    return request.session.session_key or ""


def sign_in(client: Client, person, *, level: int = LEVEL_PASSWORD, method: str = "PASSWORD"):
    """Sign `person` in on the Django test client, with a session at `level`."""
    client.cookies[settings.SESSION_COOKIE_NAME] = open_session(person, level=level, method=method)
    return client


def renew(client: Client, person, *, method: str = "PASSWORD") -> None:
    """Present the credentials again in the test client's session, as the login page does
    when a service asked for a renewed sign-in."""
    from ent.identity.session import renew_session

    request = RequestFactory().get("/")
    request.session = session_of(client)
    request.user = person
    renew_session(request, method=method, level=LEVEL_PASSWORD)
    request.session.save()


def session_of(client: Client):
    """Return the server-side session of the test client's cookie."""
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def post_form(response) -> tuple[str, dict[str, str]]:
    """Return the action and hidden fields of the auto-POST form of a SAML page."""
    html = response.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" id="saml-post">(.*?)</form>', html, re.S
    )
    assert form is not None, html[:2000]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[2]))
    return unescape(form[1]), {k: unescape(v) for k, v in fields.items()}


def query(url: str) -> dict[str, str]:
    """Return the query parameters of a redirect URL."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def decoded(fields: dict[str, str], key: str = "SAMLResponse") -> str:
    """Return the XML of a POST-bound message."""
    return base64.b64decode(fields[key]).decode()


def encoded(xml: str) -> str:
    """Return `xml` ready for the HTTP-POST binding."""
    return base64.b64encode(xml.encode()).decode()


def metadata(config) -> str:
    """Return the (unsigned) metadata of a pysaml2 peer."""
    return str(entity_descriptor(config))


def _common(entity_id: str, keys: tuple[str, str], ent_metadata: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "entityid": entity_id,
        "xmlsec_binary": XMLSEC,
        "key_file": keys[0],
        "cert_file": keys[1],
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,
    }
    if ent_metadata:
        options["metadata"] = {"inline": [ent_metadata]}
    return options


@dataclass
class PeerServiceProvider:
    """A pysaml2 service provider (the GAR, a publisher) in front of the ENT's IdP."""

    keys: tuple[str, str]
    ent_metadata: str = ""
    entity_id: str = SP_ENTITY
    soap_logout: str = ""
    front_logout: bool = True
    sign_requests: bool = True

    def config(self) -> SPConfig:
        logout = [(self.soap_logout, BINDING_SOAP)] if self.soap_logout else []
        if self.front_logout:
            logout += [(SP_SLO, BINDING_HTTP_REDIRECT), (SP_SLO, BINDING_HTTP_POST)]
        options = _common(self.entity_id, self.keys, self.ent_metadata)
        options["service"] = {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(SP_ACS, BINDING_HTTP_POST)],
                    "single_logout_service": logout,
                },
                "authn_requests_signed": self.sign_requests,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": True,
                "allow_unsolicited": False,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }
        }
        config = SPConfig()
        config.load(options)
        return config

    def client(self) -> Saml2Client:
        return Saml2Client(config=self.config())

    def metadata(self) -> str:
        return metadata(self.config())


@dataclass
class PeerIdentityProvider:
    """A pysaml2 identity provider (EduConnect, an agents' portal) in front of the ENT's SP."""

    keys: tuple[str, str]
    ent_metadata: str = ""
    entity_id: str = IDP_ENTITY
    post_only: bool = False
    other_metadata: list[str] = field(default_factory=list)

    def config(self) -> IdPConfig:
        bindings = [BINDING_HTTP_POST] if self.post_only else [BINDING_HTTP_REDIRECT]
        options = _common(self.entity_id, self.keys, self.ent_metadata)
        if self.other_metadata:
            options["metadata"]["inline"].extend(self.other_metadata)
        options["service"] = {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [(IDP_SSO, b) for b in bindings],
                    "single_logout_service": [(IDP_SLO, BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": True,
                "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_BASIC}},
            }
        }
        config = IdPConfig()
        config.load(options)
        return config

    def server(self) -> Server:
        return Server(config=self.config())

    def metadata(self) -> str:
        return metadata(self.config())

    def response(
        self,
        *,
        values: list[str],
        destination: str = ENT + "/saml/sp/acs",
        audience: str = ENT + "/saml/sp/metadata",
        in_response_to: str | None = None,
        sign_response: bool = True,
        sign_assertion: bool = True,
        subject: str = "educonnect-subject-1",
        attribute: str = REF_ID,
    ) -> str:
        """Return a Response to the ENT's ACS carrying `values` in FrEduCtRefId."""
        server = self.server()
        name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject)
        return str(
            server.create_authn_response(
                {attribute: values, "sn": ["Petit"]},
                in_response_to,
                destination,
                audience,
                name_id=name_id,
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
                sign_response=sign_response,
                sign_assertion=sign_assertion,
            )
        )


@dataclass
class LogoutEndpoint:
    """What a service's SOAP logout endpoint received, and how it answered."""

    requests: list[str] = field(default_factory=list)
    status: int = 200


@contextmanager
def soap_endpoint(peer: PeerServiceProvider) -> Iterator[tuple[str, LogoutEndpoint]]:
    """Run the service provider's SOAP SingleLogoutService on 127.0.0.1: it parses each
    LogoutRequest with pysaml2 (checking the ENT's signature) and answers a signed
    LogoutResponse."""
    seen = LogoutEndpoint()
    state: dict[str, Saml2Client] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            client = state["client"]
            request = client.parse_logout_request(body, BINDING_SOAP)
            seen.requests.append(str(request.message))
            response = client.create_logout_response(request.message, [BINDING_SOAP], sign=True)
            info = client.apply_binding(BINDING_SOAP, str(response), "", sign=False)
            payload = info["data"].encode()
            self.send_response(seen.status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/saml/soap-logout"
    peer.soap_logout = url
    state["client"] = peer.client()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, seen
    finally:
        server.shutdown()
        server.server_close()
