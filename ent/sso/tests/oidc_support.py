"""What the OIDC tests share: a browser (a `requests.Session`) that signs in through the ENT's
login form, an authlib client that runs the authorization code flow with PKCE against the live
server, ID and logout token validation against the JWKS the server publishes, and a tiny HTTP
server on 127.0.0.1 standing for a service's back-channel logout endpoint."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.shortcuts import resolve_url
from joserfc import jwt
from joserfc.jwk import KeySet

from ent.sso.actions import register_service
from ent.sso.models import Protocol, Service

PASSWORD = "secret-Passw0rd!"
# The login form's field names, in one place: the identity engineer's login view owns them.
LOGIN_FIELDS = {"login": "username", "password": "password"}
CALLBACK = "https://rp.example.org/callback"
OTHER_CALLBACK = "https://other.example.org/oidc/callback"
MOBILE_CALLBACK = "https://app.example.org/mobile/callback"
SCOPE = "openid profile email"
# The clients of this test's flows, closed after the test (see `close_clients`): a kept-alive
# connection would hold a live-server thread past the server's database.
_clients: list[OAuth2Session] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Close every flow's HTTP client once the test is over."""
    yield
    while _clients:
        _clients.pop().close()


def add_client(
    name: str,
    *,
    redirect_uri: str = CALLBACK,
    attributes: tuple[str, ...] = ("first_name", "last_name", "email"),
    client_type: str = "confidential",
    min_level: int = 1,
    logout_url: str = "",
    approve: bool = True,
    client_id: str = "",
) -> Service:
    """Register an OIDC service as an operator does; `service.client_secret` is the secret."""
    return register_service(
        actor=None,
        protocol=Protocol.OIDC,
        name=name,
        redirect_uris=[redirect_uri],
        attributes=attributes,
        client_type=client_type,
        min_level=min_level,
        logout_url=logout_url,
        approve=approve,
        client_id=client_id,
    )


def sign_in(browser: requests.Session, base: str, login: str, password: str = PASSWORD) -> None:
    """Sign in through the ENT's login form, as a person does in their browser."""
    url = base + resolve_url(settings.LOGIN_URL)
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the login page has a CSRF token"
    response = browser.post(
        url,
        data={
            LOGIN_FIELDS["login"]: login,
            LOGIN_FIELDS["password"]: password,
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": url},
        allow_redirects=False,
    )
    assert response.status_code == 302, "the login form accepted the credentials"


def csrf_post(browser: requests.Session, url: str, data: dict[str, str] | None = None) -> Any:
    """Post a form of the ENT's pages the way a browser does (CSRF token from the page)."""
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, f"{url} has a form with a CSRF token"
    fields = {**(data or {}), "csrfmiddlewaretoken": token.group(1)}
    return browser.post(url, data=fields, headers={"Referer": url}, allow_redirects=False)


@dataclass
class Flow:
    """One run of the authorization code flow: the client, its PKCE verifier and nonce."""

    base: str
    service: Service
    redirect_uri: str = CALLBACK
    scope: str = SCOPE
    verifier: str = field(default_factory=lambda: generate_token(48))
    nonce: str = field(default_factory=lambda: generate_token(20))
    client: OAuth2Session = field(init=False)

    def __post_init__(self) -> None:
        secret = getattr(self.service, "client_secret", "")
        public = not secret
        self.client = OAuth2Session(
            client_id=self.service.client_id,
            client_secret=None if public else secret,
            scope=self.scope,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="none" if public else "client_secret_basic",
        )
        _clients.append(self.client)

    def authorization_url(self, **extra: str) -> str:
        url, _state = self.client.create_authorization_url(
            self.base + "/oauth/authorize", code_verifier=self.verifier, nonce=self.nonce, **extra
        )
        return str(url)

    def authorize(self, browser: requests.Session, **extra: str) -> requests.Response:
        """Send the browser to the authorization endpoint; return the ENT's answer."""
        return browser.get(self.authorization_url(**extra), allow_redirects=False)

    def code_response(self, browser: requests.Session) -> str:
        """Authorize and return the redirection to the client, which carries the code."""
        response = self.authorize(browser)
        assert response.status_code == 302, response.text[:500]
        location = response.headers["Location"]
        assert location.startswith(self.redirect_uri + "?"), location
        return location

    def fetch_token(self, location: str, **extra: Any) -> dict[str, Any]:
        return dict(
            self.client.fetch_token(
                self.base + "/oauth/token",
                authorization_response=location,
                code_verifier=self.verifier,
                **extra,
            )
        )

    def sign_in_with(self, browser: requests.Session) -> dict[str, Any]:
        """Run the whole flow for a browser already signed in to the ENT; return the tokens."""
        return self.fetch_token(self.code_response(browser))

    def token_request(self, **data: str) -> requests.Response:
        """Post to the token endpoint as this client, without authlib's checks."""
        secret = getattr(self.service, "client_secret", "")
        auth = (self.service.client_id, secret) if secret else None
        body = data if auth else {**data, "client_id": self.service.client_id}
        return requests.post(self.base + "/oauth/token", data=body, auth=auth, timeout=10)

    def refresh(self, refresh_token: str) -> requests.Response:
        return self.token_request(grant_type="refresh_token", refresh_token=refresh_token)

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(
            self.base + "/oauth/userinfo",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )

    def id_token_claims(self, token: dict[str, Any], *, refreshed: bool = False) -> CodeIDToken:
        """Validate the ID token as authlib's OpenID client does, against the server's JWKS
        (an ID token from a refresh carries no nonce)."""
        metadata = requests.get(self.base + "/.well-known/openid-configuration", timeout=10).json()
        keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
        decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"essential": True, "value": metadata["issuer"]}},
            {
                "nonce": None if refreshed else self.nonce,
                "client_id": self.service.client_id,
                "access_token": token["access_token"],
            },
        )
        claims.validate()
        return claims


def query_of(location: str) -> dict[str, str]:
    """Return the parameters of a redirection's query string."""
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def logout_token_claims(base: str, logout_token: str) -> dict[str, Any]:
    """Validate a logout token's signature against the server's JWKS; return its claims."""
    keys = KeySet.import_key_set(requests.get(base + "/oauth/jwks", timeout=10).json())
    decoded = jwt.decode(logout_token, keys, algorithms=["RS256"])
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": base},
        iat={"essential": True},
        jti={"essential": True},
        sid={"essential": True},
        events={"essential": True},
    )
    registry.validate(decoded.claims)
    assert decoded.header["typ"] == "logout+jwt"
    return dict(decoded.claims)


@dataclass
class LogoutReceiver:
    """A service's back-channel logout endpoint: it keeps what it was posted."""

    url: str
    bodies: list[dict[str, list[str]]]
    status: list[int]
    received: threading.Event


@contextmanager
def logout_receiver(status: int = 200) -> Iterator[LogoutReceiver]:
    """Serve a back-channel logout endpoint on 127.0.0.1 for the length of the block."""
    receiver = LogoutReceiver("", [], [status], threading.Event())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            receiver.bodies.append(parse_qs(self.rfile.read(length).decode("ascii")))
            self.send_response(receiver.status[0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            receiver.received.set()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/backchannel-logout"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
