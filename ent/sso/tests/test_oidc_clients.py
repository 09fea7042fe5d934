"""OIDC clients as operators register them, and the mobile app calling the API with its
bearer token (SOC-INT-PSE-03), driven by authlib against the live server."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import requests
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from ent.api import Api
from ent.audit.models import AuditEvent, Outcome
from ent.sso.actions import register_service
from ent.sso.api_auth import AccessTokenAuth
from ent.sso.models import Protocol, Service
from ent.urls import urlpatterns as ent_urlpatterns

from .oidc_support import (
    MOBILE_CALLBACK,
    Flow,
    add_client,
    close_clients,  # noqa: F401  (autouse fixture)
    query_of,
    sign_in,
)

# A tiny API behind the bearer auth, built like ent/api.py's (its URLs answer 401 themselves).
test_api = Api(urls_namespace="oidc-test-api", auth=AccessTokenAuth())


@test_api.get("/me")
def me(request):
    return {"login": request.auth.login}


urlpatterns = [path("oidc-test-api/", test_api.urls), *ent_urlpatterns]


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
    return add_client("Vie scolaire")


# --- the mobile app and the API (SOC-INT-PSE-03) --------------------------------------------


@pytest.fixture
def mobile(transactional_db, settings):
    settings.ENT_OIDC_API_CLIENTS = ["fr.ent.mobile"]
    return add_client(
        "Application mobile",
        client_type="public",
        redirect_uri=MOBILE_CALLBACK,
        client_id="fr.ent.mobile",
        attributes=("display_name",),
    )


def api_get(base: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(base + "/oidc-test-api/me", headers=headers, timeout=10)


@pytest.mark.urls(__name__)
@pytest.mark.sdet("SOC-INT-PSE-03")
def test_mobile_app_signs_in_with_pkce_and_calls_the_api_with_its_token(
    live_server, cast, mobile, browser
):
    assert getattr(mobile, "client_secret", None) == "", "a public client has no secret to keep"
    sign_in(browser, live_server.url, cast.pupil.login)
    flow = Flow(live_server.url, mobile, redirect_uri=MOBILE_CALLBACK, scope="openid api")
    token = flow.sign_in_with(browser)
    assert token["scope"] == "openid api"
    response = api_get(live_server.url, token["access_token"])
    assert response.status_code == 200
    assert response.json() == {"login": "lea.petit"}
    assert flow.id_token_claims(token)["name"] == "Léa Petit"


@pytest.mark.urls(__name__)
@pytest.mark.sdet("SOC-INT-PSE-03", "SOC-SEC-APS-03")
def test_api_refuses_a_missing_forged_expired_or_web_only_token_with_401(
    live_server, cast, mobile, rp, browser
):
    sign_in(browser, live_server.url, cast.pupil.login)
    web_token = Flow(live_server.url, rp).sign_in_with(browser)
    app = Flow(live_server.url, mobile, redirect_uri=MOBILE_CALLBACK, scope="openid api")
    app_token = app.sign_in_with(browser)
    assert api_get(live_server.url, None).status_code == 401
    assert api_get(live_server.url, "forged-token").status_code == 401
    assert api_get(live_server.url, web_token["access_token"]).status_code == 401, "no api scope"
    later = timezone.now() + timedelta(seconds=settings.ENT_OIDC_ACCESS_TOKEN_SECONDS + 1)
    with time_machine.travel(later, tick=True):
        assert api_get(live_server.url, app_token["access_token"]).status_code == 401
    errors = [event.data["error"] for event in refusals("bearer")]
    assert errors == ["invalid_token", "insufficient_scope", "invalid_token"]


def test_a_client_not_listed_for_the_api_may_not_ask_for_its_scope(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.pupil.login)
    response = Flow(live_server.url, rp, scope="openid api").authorize(browser)
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "invalid_scope"
    assert refusals("authorize")[-1].data["error"] == "invalid_scope"


# --- registration ---------------------------------------------------------------------------


def test_registering_an_oidc_service_creates_its_client_and_shows_the_secret_once(db):
    service = register_service(
        actor=None,
        protocol=Protocol.OIDC,
        name="Vie scolaire",
        url_pattern="https://vs.example.org/oidc/callback https://vs.example.org/cb2",
        logout_url="https://vs.example.org/oidc/backchannel",
        approve=True,
    )
    application = get_application_model().objects.get(client_id=service.client_id)
    assert application.redirect_uris.split() == [
        "https://vs.example.org/oidc/callback",
        "https://vs.example.org/cb2",
    ]
    assert application.client_type == "confidential"
    assert application.skip_authorization is True
    assert application.algorithm == "RS256"
    secret = getattr(service, "client_secret", "")
    assert len(secret) >= 64
    assert secret not in application.client_secret, "kept hashed"
    assert check_password(secret, application.client_secret)
    event = AuditEvent.objects.get(action="sso.oidc.client.register")
    assert event.data["client_id"] == service.client_id
    assert secret not in str(event.data)


def test_a_redirect_uri_with_a_scheme_not_allowed_refuses_the_whole_registration(db, settings):
    with pytest.raises(ValidationError):
        register_service(
            actor=None,
            protocol=Protocol.OIDC,
            name="Mauvais",
            redirect_uris=["javascript:alert(1)"],
        )
    assert not get_application_model().objects.exists()
    assert not Service.objects.exists()


@pytest.mark.sdet("SOC-SEC-PII-07")
def test_tokens_are_kept_hashed_at_rest(live_server, cast, rp, browser):
    sign_in(browser, live_server.url, cast.teacher.login)
    token = Flow(live_server.url, rp).sign_in_with(browser)
    stored = get_access_token_model().objects.get()
    assert stored.token == ""
    assert stored.token_checksum == hashlib.sha256(token["access_token"].encode()).hexdigest()
