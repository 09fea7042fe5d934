"""Single logout towards OIDC services (OpenID Connect Back-Channel Logout 1.0): when an ENT
session ends, each service that got an identity in it receives a signed logout token naming the
session (`sid`), and the tokens it obtained in that session are revoked (SOC-SEC-PII-02)."""

from __future__ import annotations

import pytest
import requests
from django.shortcuts import resolve_url
from django.urls import reverse

from ent.audit.models import AuditEvent, Outcome
from ent.identity.session import end_person_sessions
from ent.sso.models import ServiceLogin

from .oidc_support import (
    CALLBACK,
    MOBILE_CALLBACK,
    OTHER_CALLBACK,
    Flow,
    add_client,
    close_clients,  # noqa: F401  (autouse fixture)
    csrf_post,
    logout_receiver,
    logout_token_claims,
    query_of,
    sign_in,
)


@pytest.fixture
def browser():
    with requests.Session() as session:
        yield session


@pytest.fixture
def receiver():
    with logout_receiver() as endpoint:
        yield endpoint


def logout_tokens(receiver) -> list[str]:
    return [body["logout_token"][0] for body in receiver.bodies]


@pytest.mark.sdet("SOC-SEC-PII-02", "SOC-SEC-APS-03")
def test_signing_out_of_the_ent_sends_a_signed_logout_token_and_revokes_the_tokens(
    live_server, cast, receiver, browser
):
    service = add_client("Vie scolaire", logout_url=receiver.url)
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, service)
    token = flow.sign_in_with(browser)
    id_claims = flow.id_token_claims(token)
    response = csrf_post(browser, live_server.url + reverse("identity:logout"))
    assert response.status_code == 302
    assert receiver.received.wait(5)
    [logout_token] = logout_tokens(receiver)
    claims = logout_token_claims(live_server.url, logout_token)
    assert claims["aud"] == service.client_id
    assert claims["sub"] == id_claims["sub"]
    assert claims["sid"] == id_claims["sid"]
    assert claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert "nonce" not in claims
    assert flow.userinfo(token["access_token"]).status_code == 401
    assert flow.refresh(token["refresh_token"]).json()["error"] == "invalid_grant"
    login = ServiceLogin.objects.get(service=service)
    assert login.logged_out_at is not None
    assert login.logout_outcome.startswith("sent, HTTP 200")
    event = AuditEvent.objects.get(action="sso.service.logout", target_id=str(service.pk))
    assert event.actor == cast.teacher
    assert event.outcome == Outcome.SUCCESS


@pytest.mark.sdet("SOC-SEC-PII-02")
def test_rp_initiated_logout_ends_the_ent_session_and_tells_the_other_services(
    live_server, cast, receiver, browser
):
    first = add_client("Vie scolaire")
    other = add_client("Ressources", redirect_uri=OTHER_CALLBACK, logout_url=receiver.url)
    sign_in(browser, live_server.url, cast.pupil.login)
    token = Flow(live_server.url, first).sign_in_with(browser)
    Flow(live_server.url, other, redirect_uri=OTHER_CALLBACK).sign_in_with(browser)
    response = browser.get(
        live_server.url + "/oauth/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": CALLBACK,
            "state": "s1",
        },
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == CALLBACK + "?state=s1"
    assert receiver.received.wait(5)
    claims = logout_token_claims(live_server.url, logout_tokens(receiver)[0])
    assert claims["aud"] == other.client_id
    again = Flow(live_server.url, first).authorize(browser)
    assert again.headers["Location"].startswith(resolve_url("identity:login")), "signed out"
    assert AuditEvent.objects.filter(action="identity.session.end", actor=cast.pupil).exists()


def test_rp_initiated_logout_never_redirects_to_an_unregistered_uri(live_server, cast, browser):
    service = add_client("Vie scolaire")
    sign_in(browser, live_server.url, cast.pupil.login)
    token = Flow(live_server.url, service).sign_in_with(browser)
    response = browser.get(
        live_server.url + "/oauth/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://evil.example.com/",
        },
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert AuditEvent.objects.get(action="sso.oidc.logout.refuse").outcome == Outcome.FAILURE
    assert Flow(live_server.url, service).authorize(browser).status_code == 302, "still in"


@pytest.mark.sdet("SOC-SEC-PII-02")
def test_suspension_revokes_the_mobile_app_tokens(live_server, cast, browser):
    mobile = add_client("Application mobile", client_type="public", redirect_uri=MOBILE_CALLBACK)
    sign_in(browser, live_server.url, cast.pupil.login)
    flow = Flow(live_server.url, mobile, redirect_uri=MOBILE_CALLBACK)
    token = flow.sign_in_with(browser)
    assert end_person_sessions(actor=None, person=cast.pupil, reason="suspended") == 1
    assert flow.refresh(token["refresh_token"]).json()["error"] == "invalid_grant"
    assert flow.userinfo(token["access_token"]).status_code == 401
    outcome = ServiceLogin.objects.get(service=mobile).logout_outcome
    assert outcome == "1 token(s) revoked, no logout URL"


def test_a_failing_logout_endpoint_is_audited_as_a_failure_and_the_tokens_still_go(
    live_server, cast, browser
):
    with logout_receiver(status=500) as failing:
        service = add_client("Vie scolaire", logout_url=failing.url)
        sign_in(browser, live_server.url, cast.teacher.login)
        flow = Flow(live_server.url, service)
        token = flow.sign_in_with(browser)
        end_person_sessions(actor=None, person=cast.teacher, reason="suspended")
    assert failing.bodies, "the service was called"
    event = AuditEvent.objects.get(action="sso.service.logout")
    assert event.outcome == Outcome.FAILURE
    assert event.data["outcome"].startswith("failed: HTTP 500")
    assert flow.refresh(token["refresh_token"]).json()["error"] == "invalid_grant"


def test_two_authorizations_in_one_session_send_one_logout_token(
    live_server, cast, receiver, browser
):
    service = add_client("Vie scolaire", logout_url=receiver.url)
    sign_in(browser, live_server.url, cast.teacher.login)
    first = Flow(live_server.url, service)
    second = Flow(live_server.url, service)
    first_token = first.sign_in_with(browser)
    second_token = second.sign_in_with(browser)
    assert ServiceLogin.objects.filter(service=service).count() == 2
    end_person_sessions(actor=None, person=cast.teacher, reason="suspended")
    assert len(receiver.bodies) == 1
    assert first.userinfo(first_token["access_token"]).status_code == 401
    assert second.userinfo(second_token["access_token"]).status_code == 401


def test_a_code_from_an_ended_session_gets_no_token(live_server, cast, browser):
    service = add_client("Vie scolaire")
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, service)
    location = flow.code_response(browser)
    end_person_sessions(actor=None, person=cast.teacher, reason="suspended")
    response = flow.token_request(
        grant_type="authorization_code",
        code=query_of(location)["code"],
        redirect_uri=flow.redirect_uri,
        code_verifier=flow.verifier,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
