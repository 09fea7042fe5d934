"""Single logout: when the ENT session ends, every CAS service that received a ticket in it gets
the specification's logoutRequest POST, naming that ticket (SOC-SEC-PII-02)."""

from __future__ import annotations

import pytest
from cas import CASClientV3
from django.test import Client

from ent.audit.models import AuditEvent, Outcome
from ent.identity.session import end_person_sessions
from ent.sso.models import ServiceLogin

from .cas_support import (
    add_service,
    browser_logged_in,
    get_ticket,
    local_service,
    sign_in,
    ticket_in,
)


@pytest.fixture
def local():
    with local_service() as service:
        yield service


def _session_index(received) -> str:
    request = received.form["logoutRequest"][0]
    assert CASClientV3.get_saml_slos(request)
    return CASClientV3.get_saml_slos(request)[0].text


@pytest.mark.django_db(transaction=True)
@pytest.mark.sdet("SOC-SEC-PII-02")
def test_logout_reaches_the_service_with_its_ticket_as_session_index(live_server, cast, local):
    add_service("Local app", r"http://127\.0\.0\.1:\d+/app.*")
    browser = browser_logged_in(live_server.url, cast.pupil)
    answer = browser.get(
        live_server.url + "/cas/login",
        params={"service": local.url + "/app"},
        allow_redirects=False,
    )
    ticket = ticket_in(answer.headers["Location"])
    browser.get(live_server.url + "/cas/logout", allow_redirects=False, timeout=10)
    posts = [r for r in local.received if r.method == "POST"]
    assert len(posts) == 1
    assert posts[0].path == "/app"
    assert CASClientV3.verify_logout_request(posts[0].form["logoutRequest"][0], ticket)
    login = ServiceLogin.objects.get(person=cast.pupil)
    assert login.logged_out_at is not None
    assert login.logout_outcome == "sent: HTTP 200"
    event = AuditEvent.objects.get(action="sso.service.logout")
    assert (event.actor, event.outcome, event.target_label) == (
        cast.pupil,
        Outcome.SUCCESS,
        "Local app (CAS)",
    )


@pytest.mark.django_db
@pytest.mark.sdet("SOC-SEC-PII-02")
def test_logout_reaches_every_service_of_the_session(
    client, cast, local, django_capture_on_commit_callbacks
):
    add_service("One", r"http://127\.0\.0\.1:\d+/one")
    add_service("Two", r"http://127\.0\.0\.1:\d+/two", logout_url=local.url + "/two-logout")
    sign_in(client, cast.teacher)
    one = get_ticket(client, local.url + "/one")
    two = get_ticket(client, local.url + "/two")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/cas/logout")
    by_path = {r.path: _session_index(r) for r in local.received if r.method == "POST"}
    assert by_path == {"/one": one, "/two-logout": two}


@pytest.mark.django_db
def test_logout_of_another_session_does_not_reach_this_sessions_services(
    client, cast, local, django_capture_on_commit_callbacks
):
    add_service("One", r"http://127\.0\.0\.1:\d+/one")
    get_ticket(sign_in(client, cast.teacher), local.url + "/one")
    other = sign_in(Client(), cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        other.get("/cas/logout")
    assert [r for r in local.received if r.method == "POST"] == []


@pytest.mark.django_db
def test_a_failing_service_does_not_stop_the_logout(
    client, cast, local, django_capture_on_commit_callbacks
):
    local.status = 500
    add_service("Broken", r"http://127\.0\.0\.1:\d+/broken")
    get_ticket(sign_in(client, cast.pupil), local.url + "/broken")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/cas/logout")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="sso.service.logout")
    assert event.outcome == Outcome.FAILURE
    assert event.data["outcome"] == "failed: HTTP 500"


@pytest.mark.django_db
@pytest.mark.sdet("SOC-SEC-PII-02")
def test_suspension_ends_the_sessions_and_logs_the_services_out(
    client, cast, local, django_capture_on_commit_callbacks
):
    add_service("One", r"http://127\.0\.0\.1:\d+/one")
    ticket = get_ticket(sign_in(client, cast.pupil), local.url + "/one")
    with django_capture_on_commit_callbacks(execute=True):
        end_person_sessions(actor=None, person=cast.pupil, reason="suspended")
    posts = [r for r in local.received if r.method == "POST"]
    assert [_session_index(r) for r in posts] == [ticket]


@pytest.mark.django_db
@pytest.mark.sdet("SOC-SEC-PII-02")
def test_an_unused_ticket_dies_with_the_session(
    client, cast, local, django_capture_on_commit_callbacks
):
    add_service("One", r"http://127\.0\.0\.1:\d+/one")
    ticket = get_ticket(sign_in(client, cast.pupil), local.url + "/one")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/cas/logout")
    response = Client().get("/cas/validate", {"service": local.url + "/one", "ticket": ticket})
    assert response.content == b"no\n"
