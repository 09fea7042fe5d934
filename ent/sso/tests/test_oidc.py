"""The OpenID Connect provider, driven by a real client (authlib) against the live server: the
authorization code flow with PKCE, ID tokens checked against the published JWKS, userinfo,
refresh tokens, the API's bearer tokens, and every bad input refused with the protocol's error
and a trace in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import time_machine
from django.conf import settings
from django.utils import timezone
from joserfc.errors import BadSignatureError
from oauth2_provider.models import get_application_model

from ent.audit.models import AuditEvent, Outcome
from ent.sso.actions import disable_service
from ent.sso.models import ServiceLogin
from ent.sso.queries import person_for_subject

from .oidc_support import (
    MOBILE_CALLBACK,
    OTHER_CALLBACK,
    Flow,
    add_client,
    close_clients,  # noqa: F401  (autouse fixture)
    query_of,
    sign_in,
)


def refusals(endpoint: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=f"sso.oidc.{endpoint}.refuse", outcome=Outcome.FAILURE)
    )


@pytest.fixture
def browser():
    with requests.Session() as session:
        yield session


@pytest.fixture
def rp(transactional_db):
    return add_client("Vie scolaire", attributes=("first_name", "last_name", "email", "login"))


# --- discovery ------------------------------------------------------------------------------


def test_discovery_is_public_and_advertises_code_flow_pkce_and_back_channel_logout(client, db):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == "http://testserver"
    assert document["authorization_endpoint"] == "http://testserver/oauth/authorize"
    assert document["jwks_uri"] == "http://testserver/oauth/jwks"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["backchannel_logout_supported"] is True
    assert document["backchannel_logout_session_supported"] is True
    assert {"acr", "amr", "sid", "given_name", "ent_classes"} <= set(document["claims_supported"])
    assert client.get("/oauth/jwks").json()["keys"][0]["alg"] == "RS256"


# --- the flow -------------------------------------------------------------------------------


@pytest.mark.sdet("SOC-SEC-PII-01", "SOC-SEC-PII-02", "SOC-SEC-PII-03", "SOC-SEC-PII-07")
def test_signed_in_person_gets_a_signed_id_token_with_opaque_subject_and_proof_of_login(
    live_server, cast, rp, browser
):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    token = flow.sign_in_with(browser)
    claims = flow.id_token_claims(token)
    assert claims["iss"] == live_server.url
    assert claims["aud"] == rp.client_id
    assert claims["sub"] not in {cast.teacher.login, str(cast.teacher.uuid), str(cast.teacher.pk)}
    assert len(claims["sub"]) == 32
    assert claims["acr"] == "1"
    assert claims["amr"] == ["pwd"]
    assert len(claims["sid"]) == 32
    assert claims["given_name"] == "Agnès"
    assert claims["preferred_username"] == "agnes.dupont"
    assert "password" not in str(dict(claims)).lower()
    assert token["token_type"] == "Bearer"
    assert token["refresh_token"]


@pytest.mark.sdet("SOC-SEC-PII-07")
def test_an_altered_id_token_fails_its_signature_check(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    token = flow.sign_in_with(browser)
    header, payload, signature = token["id_token"].split(".")
    forged = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises(BadSignatureError):
        flow.id_token_claims({**token, "id_token": f"{header}.{forged}.{signature}"})


@pytest.mark.sdet("SOC-INT-ASE-03", "SOC-SEC-PII-01")
def test_one_login_serves_two_services_without_asking_again(live_server, cast, rp, browser):
    other = add_client("Ressources", redirect_uri=OTHER_CALLBACK)
    sign_in(browser, live_server.url, cast.pupil.login)
    first = Flow(live_server.url, rp).sign_in_with(browser)
    response = Flow(live_server.url, other, redirect_uri=OTHER_CALLBACK).authorize(browser)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(OTHER_CALLBACK + "?code=")
    assert first["access_token"]


def test_anonymous_person_is_sent_to_the_login_page_that_comes_back_to_the_authorization(
    live_server, cast, rp, browser
):
    flow = Flow(live_server.url, rp)
    response = flow.authorize(browser)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/login?next=%2Foauth%2Fauthorize%3F")
    sign_in(browser, live_server.url, cast.teacher.login)
    assert flow.authorize(browser).headers["Location"].startswith(flow.redirect_uri + "?code=")


@pytest.mark.sdet("SOC-SEC-PII-03", "SOC-SEC-PII-04")
def test_subject_is_stable_for_a_service_different_for_another_and_maps_back_to_the_person(
    live_server, cast, rp, browser
):
    other = add_client("Ressources", redirect_uri=OTHER_CALLBACK)
    sign_in(browser, live_server.url, cast.pupil.login)
    first = Flow(live_server.url, rp)
    sub = first.id_token_claims(first.sign_in_with(browser))["sub"]
    again = Flow(live_server.url, rp)
    assert again.id_token_claims(again.sign_in_with(browser))["sub"] == sub
    elsewhere = Flow(live_server.url, other, redirect_uri=OTHER_CALLBACK)
    other_sub = elsewhere.id_token_claims(elsewhere.sign_in_with(browser))["sub"]
    assert other_sub != sub
    assert person_for_subject(rp, sub) == cast.pupil
    assert person_for_subject(other, other_sub) == cast.pupil


@pytest.mark.sdet("SOC-INT-ASE-04", "SOC-SEC-APS-03")
def test_userinfo_and_id_token_release_exactly_the_registry_attributes(live_server, cast, browser):
    service = add_client("Manuels", attributes=("first_name", "classes", "profiles"))
    sign_in(browser, live_server.url, cast.pupil.login)
    flow = Flow(live_server.url, service)
    token = flow.sign_in_with(browser)
    userinfo = flow.userinfo(token["access_token"])
    assert userinfo.status_code == 200
    assert set(userinfo.json()) == {"sub", "given_name", "ent_classes", "ent_profiles"}
    assert userinfo.json()["ent_profiles"] == ["ELV"]
    claims = flow.id_token_claims(token)
    assert "family_name" not in claims
    assert "email" not in claims
    assert claims["given_name"] == "Léa"
    releases = AuditEvent.objects.filter(action="sso.attributes.release", actor=cast.pupil)
    assert releases.count() == 2, "one release for the ID token, one for userinfo"
    issued = AuditEvent.objects.get(action="sso.oidc.token.issue", actor=cast.pupil)
    assert issued.target_id == str(service.pk)
    assert issued.data["sid"] == claims["sid"]
    assert AuditEvent.objects.filter(action="sso.oidc.code.issue", actor=cast.pupil).exists()


@pytest.mark.sdet("SOC-SEC-PII-02")
def test_the_service_login_keeps_the_sid_for_single_logout(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    claims = flow.id_token_claims(flow.sign_in_with(browser))
    login = ServiceLogin.objects.get(service=rp, person=cast.teacher)
    assert login.data["sid"] == claims["sid"]
    assert login.logged_out_at is None


@pytest.mark.sdet("SOC-SEC-PII-02", "SOC-SEC-IAU-12")
def test_service_needing_level_two_sends_a_level_one_session_to_step_up(live_server, cast, browser):
    service = add_client("Notes", min_level=2)
    sign_in(browser, live_server.url, cast.teacher.login)
    response = Flow(live_server.url, service).authorize(browser)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/login?next=%2Foauth%2Fauthorize")
    assert query_of(location)["level"] == "2"
    assert not ServiceLogin.objects.filter(service=service).exists()


def test_prompt_none_for_an_anonymous_person_answers_login_required_to_the_client(
    live_server, db, rp, browser
):
    response = Flow(live_server.url, rp).authorize(browser, prompt="none")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(rp_callback(rp))
    assert query_of(response.headers["Location"])["error"] == "login_required"


def rp_callback(service) -> str:
    return get_application_model().objects.get(client_id=service.client_id).redirect_uris


# --- refresh tokens: rotation and the mobile idle timeout -------------------------------


def test_refresh_token_rotates_and_a_replayed_one_revokes_the_whole_family(
    live_server, cast, rp, browser
):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    first = flow.sign_in_with(browser)
    refreshed = flow.refresh(first["refresh_token"])
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    renewed = flow.id_token_claims(second, refreshed=True)
    assert renewed["sid"] == flow.id_token_claims(first)["sid"]
    assert renewed["auth_time"] == flow.id_token_claims(first)["auth_time"]
    replayed = flow.refresh(first["refresh_token"])
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    assert flow.refresh(second["refresh_token"]).json()["error"] == "invalid_grant"
    assert flow.userinfo(second["access_token"]).status_code == 401
    assert refusals("token")[-1].data["error"] == "invalid_grant"


@pytest.mark.sdet("SOC-SEC-IAU-05")
def test_refresh_token_dies_after_the_mobile_idle_timeout_and_each_use_restarts_it(
    live_server, cast, browser
):
    mobile = add_client("Application mobile", client_type="public", redirect_uri=MOBILE_CALLBACK)
    idle = timedelta(
        seconds=settings.ENT_OIDC_ACCESS_TOKEN_SECONDS + settings.ENT_OIDC_REFRESH_TOKEN_SECONDS
    )
    sign_in(browser, live_server.url, cast.pupil.login)
    flow = Flow(live_server.url, mobile, redirect_uri=MOBILE_CALLBACK)
    token = flow.sign_in_with(browser)
    with time_machine.travel(timezone.now() + idle - timedelta(minutes=1), tick=True):
        used = flow.refresh(token["refresh_token"])
        assert used.status_code == 200, "still active just before the idle timeout"
    with time_machine.travel(timezone.now() + 2 * idle - timedelta(minutes=3), tick=True):
        again = flow.refresh(used.json()["refresh_token"])
        assert again.status_code == 200, "each use restarts the idle count"
    with time_machine.travel(timezone.now() + 3 * idle, tick=True):
        refused = flow.refresh(again.json()["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


# --- bad input: each refused with the protocol's error and a trace --------------------------


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_authorization_without_pkce_is_refused_to_the_client(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    url = flow.authorization_url().replace("code_challenge=", "no_challenge=")
    response = browser.get(url, allow_redirects=False)
    assert response.status_code == 302
    answer = query_of(response.headers["Location"])
    assert answer["error"] == "invalid_request"
    assert "challenge" in answer["error_description"].lower()
    assert refusals("authorize")[-1].data["error"] == "invalid_request"
    assert refusals("authorize")[-1].actor == cast.teacher


def test_plain_pkce_is_refused(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    url = flow.authorization_url().replace(
        "code_challenge_method=S256", "code_challenge_method=plain"
    )
    response = browser.get(url, allow_redirects=False)
    assert query_of(response.headers["Location"])["error"] == "invalid_request"
    assert refusals("authorize")


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_code_with_a_wrong_pkce_verifier_is_refused(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    code = query_of(flow.code_response(browser))["code"]
    response = flow.token_request(
        grant_type="authorization_code",
        code=code,
        redirect_uri=flow.redirect_uri,
        code_verifier="x" * 64,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    missing = flow.token_request(
        grant_type="authorization_code", code=code, redirect_uri=flow.redirect_uri
    )
    assert missing.json()["error"] in {"invalid_request", "invalid_grant"}
    refused = refusals("token")
    assert len(refused) == 2
    assert refused[0].data["client_id"] == rp.client_id
    assert refused[0].target_id == str(rp.pk)


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_unregistered_redirect_uri_is_shown_an_error_and_never_followed(
    live_server, cast, rp, browser
):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp, redirect_uri="https://evil.example.com/steal")
    response = flow.authorize(browser)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "evil.example.com" not in response.text
    assert 'lang="fr"' in response.text
    assert refusals("authorize")[-1].data["error"] == "invalid_request"
    assert not ServiceLogin.objects.exists()


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_reused_code_is_refused_and_revokes_the_tokens_it_gave(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    location = flow.code_response(browser)
    token = flow.fetch_token(location)
    code = query_of(location)["code"]
    again = flow.token_request(
        grant_type="authorization_code",
        code=code,
        redirect_uri=flow.redirect_uri,
        code_verifier=flow.verifier,
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert flow.userinfo(token["access_token"]).status_code == 401
    assert flow.refresh(token["refresh_token"]).json()["error"] == "invalid_grant"
    replay = AuditEvent.objects.get(action="sso.oidc.code.replay")
    assert replay.actor == cast.teacher
    assert replay.outcome == Outcome.FAILURE


@pytest.mark.sdet("SOC-INT-ASE-04", "SOC-SEC-APS-03")
def test_unapproved_client_is_refused_with_unauthorized_client(live_server, cast, browser):
    pending = add_client("Pas encore approuvé", approve=False)
    sign_in(browser, live_server.url, cast.teacher.login)
    response = Flow(live_server.url, pending).authorize(browser)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "unauthorized_client" in response.text
    refused = refusals("authorize")[-1]
    assert refused.data["error"] == "unauthorized_client"
    assert refused.target_id == str(pending.pk)
    assert not ServiceLogin.objects.exists()


@pytest.mark.sdet("SOC-INT-ASE-04")
def test_a_disabled_service_loses_its_refresh_and_userinfo(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    token = flow.sign_in_with(browser)
    disable_service(actor=None, service=rp)
    assert flow.userinfo(token["access_token"]).status_code == 401
    assert flow.refresh(token["refresh_token"]).json()["error"] == "invalid_client"
    assert refusals("userinfo")
    assert refusals("token")


def test_unknown_client_is_refused_without_redirect(live_server, cast, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    response = browser.get(
        live_server.url + "/oauth/authorize",
        params={
            "client_id": "nobody",
            "response_type": "code",
            "redirect_uri": "https://evil.example.com/",
            "scope": "openid",
            "code_challenge": "x" * 43,
            "code_challenge_method": "S256",
        },
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert refusals("authorize")[-1].data["client_id"] == "nobody"


@pytest.mark.sdet("SOC-SEC-PII-06", "SOC-SEC-APS-03")
def test_a_confidential_client_with_a_wrong_secret_is_refused(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    code = query_of(flow.code_response(browser))["code"]
    response = requests.post(
        live_server.url + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.verifier,
        },
        auth=(rp.client_id, "not-the-secret"),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert refusals("token")[-1].data["client_id"] == rp.client_id


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_an_expired_access_token_is_refused_at_userinfo(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    flow = Flow(live_server.url, rp)
    token = flow.sign_in_with(browser)
    later = timezone.now() + timedelta(seconds=settings.ENT_OIDC_ACCESS_TOKEN_SECONDS + 1)
    with time_machine.travel(later, tick=True):
        response = flow.userinfo(token["access_token"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert refusals("userinfo")[-1].data["error"] == "invalid_token"


# --- the pages people see -------------------------------------------------------------------


@pytest.fixture
def chrome(tmp_path):
    from ent.core.testing.browser import chromium

    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_refusal_consent_and_logout_pages_pass_axe_in_french(live_server, cast, rp, chrome):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from ent.core.testing.browser import axe_violations

    chrome.get(live_server.url + "/auth/login")
    chrome.find_element(By.ID, "id_username").send_keys(cast.teacher.login)
    chrome.find_element(By.ID, "id_password").send_keys("secret-Passw0rd!")
    chrome.find_element(By.ID, "id_password").submit()
    pending = add_client("Pas encore approuvé", approve=False)
    chrome.get(Flow(live_server.url, pending).authorization_url())
    assert chrome.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert chrome.find_element(By.TAG_NAME, "code").text == "unauthorized_client"
    assert axe_violations(chrome) == []
    get_application_model().objects.filter(client_id=rp.client_id).update(skip_authorization=False)
    chrome.get(Flow(live_server.url, rp).authorization_url())
    assert chrome.find_elements(By.CSS_SELECTOR, 'button[name="allow"]')
    assert axe_violations(chrome) == []
    chrome.get(live_server.url + "/oauth/logout")
    assert axe_violations(chrome) == []
    chrome.find_element(By.CSS_SELECTOR, 'button[name="allow"]').click()
    WebDriverWait(chrome, 10).until(expected_conditions.url_contains("/auth/login"))
    assert AuditEvent.objects.filter(action="identity.session.end", actor=cast.teacher).exists()


def test_a_configured_issuer_names_every_endpoint_behind_a_tls_proxy(client, db, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": "https://ent.example.org",
    }
    document = client.get("/.well-known/openid-configuration").json()
    assert document["issuer"] == "https://ent.example.org"
    assert document["token_endpoint"] == "https://ent.example.org/oauth/token"
    assert document["end_session_endpoint"] == "https://ent.example.org/oauth/logout"
