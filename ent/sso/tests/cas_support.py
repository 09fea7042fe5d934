"""What the CAS tests share: signing people in, registering services, reading tickets and
answers, and a tiny HTTP server on 127.0.0.1 standing for a service (proxy callbacks, single
logout POSTs)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import requests
from defusedxml import ElementTree
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory

from ent.identity.session import LEVEL_PASSWORD, start_session
from ent.sso.actions import register_service
from ent.sso.models import Protocol, Service

PASSWORD = "secret-Passw0rd!"
# The login form's field names, in one place: the identity engineer's login view may rename them.
LOGIN_FIELDS = {"login": "username", "password": "password"}
CAS = "{http://www.yale.edu/tp/cas}"
APP = "https://app.example.org/ent/"
OTHER_APP = "https://other.example.org/"


def add_service(
    name: str,
    pattern: str,
    *,
    attributes: tuple[str, ...] = (),
    subject: str = "OPAQUE",
    min_level: int = 1,
    logout_url: str = "",
    approve: bool = True,
) -> Service:
    """Register a CAS service as an operator does (approved at once)."""
    return register_service(
        actor=None,
        protocol=Protocol.CAS,
        name=name,
        url_pattern=pattern,
        attributes=attributes,
        subject_kind=subject,
        min_level=min_level,
        logout_url=logout_url,
        approve=approve,
    )


def open_session(person, *, level: int = LEVEL_PASSWORD, method: str = "PASSWORD") -> str:
    """Open a session as the login page does once credentials are accepted (start_session),
    and return its key; for tests where the login itself is not what is tested."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    start_session(request, person, method=method, level=level)
    key = request.session.session_key
    assert key, "start_session saved no session"
    return key


def sign_in(client: Client, person, *, level: int = LEVEL_PASSWORD, method: str = "PASSWORD"):
    """Sign `person` in on the Django test client, with a session at `level`."""
    client.cookies[settings.SESSION_COOKIE_NAME] = open_session(person, level=level, method=method)
    return client


def log_in_through_form(client: Client, person, url: str = ""):
    """Sign in by posting the login form (at `url`, a login URL CAS sent the person to, or the
    plain login page), as a person does; return the page's redirect."""
    response = client.post(
        url or resolve_url(settings.LOGIN_URL),
        {LOGIN_FIELDS["login"]: person.login, LOGIN_FIELDS["password"]: PASSWORD},
    )
    assert response.status_code == 302, response.content[:500]
    return response


def browser_logged_in(base_url: str, person) -> requests.Session:
    """A requests session that signed in through the live server's login form (with its CSRF
    token, as a browser does)."""
    browser = requests.Session()
    login_page = base_url + resolve_url(settings.LOGIN_URL)
    page = browser.get(login_page, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the login page has no CSRF token"
    answer = browser.post(
        login_page,
        data={
            "csrfmiddlewaretoken": token.group(1),
            LOGIN_FIELDS["login"]: person.login,
            LOGIN_FIELDS["password"]: PASSWORD,
        },
        headers={"Referer": login_page},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def ticket_in(location: str) -> str:
    """The ticket of a redirect to a service."""
    return parse_qs(urlsplit(location).query)["ticket"][0]


def get_ticket(client: Client, service_url: str, **params: str) -> str:
    """Follow /cas/login with a signed-in test client and return the ticket it issues."""
    response = client.get("/cas/login", {"service": service_url, **params})
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith(service_url), response["Location"]
    return ticket_in(response["Location"])


def failure_code(xml: bytes) -> str | None:
    """The code of a CAS authenticationFailure or proxyFailure answer, None on success."""
    root = ElementTree.fromstring(xml)
    for name in ("authenticationFailure", "proxyFailure"):
        element = root.find(CAS + name)
        if element is not None:
            return element.get("code")
    return None


@dataclass
class Received:
    """What the local service received."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]


@dataclass
class LocalService:
    """A service's HTTP endpoint on 127.0.0.1 that records every request it receives."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200


@contextmanager
def local_service() -> Iterator[LocalService]:
    """Run a tiny HTTP server on 127.0.0.1 in a thread for the length of the block."""
    service = LocalService(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            parts = urlsplit(self.path)
            service.received.append(
                Received(self.command, parts.path, parse_qs(parts.query), parse_qs(body))
            )
            self.send_response(service.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = _answer  # noqa: N815 (the name http.server calls)
        do_POST = _answer  # noqa: N815 (idem)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
