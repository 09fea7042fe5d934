"""/cas/login and /cas/logout as a person meets them: single sign-on, renew, gateway, step-up,
and no open redirect through `service` or `url`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from ent.audit.models import AuditEvent, Outcome
from ent.identity.session import LEVEL_STRONG
from ent.sso.actions import disable_service
from ent.sso.models import CasTicket, ServiceLogin

from .cas_support import (
    APP,
    OTHER_APP,
    add_service,
    get_ticket,
    log_in_through_form,
    sign_in,
    ticket_in,
)

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example.com/steal"
# The pages' words are checked in English: the French catalogue is merged by the lead.
ENGLISH = {"accept-language": "en"}


@pytest.fixture
def app(db):
    return add_service("App", r"https://app\.example\.org/.*", attributes=("display_name",))


def _login_redirect(response) -> dict[str, list[str]]:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == resolve_url(settings.LOGIN_URL)
    return parse_qs(location.query)


def test_signed_in_person_is_sent_back_to_the_service_with_a_ticket(client, cast, app):
    sign_in(client, cast.pupil)
    response = client.get("/cas/login", {"service": APP + "page?x=1"})
    assert response.status_code == 302
    assert response["Location"].startswith(APP + "page?x=1&ticket=ST-")
    ticket = CasTicket.objects.get(ticket=ticket_in(response["Location"]))
    assert (ticket.person, ticket.service, ticket.kind) == (cast.pupil, app, "ST")
    assert ticket.service_url == APP + "page?x=1"


def test_ticket_is_random_and_made_of_the_characters_the_spec_allows(client, cast, app):
    sign_in(client, cast.pupil)
    first, second = get_ticket(client, APP), get_ticket(client, APP)
    assert first != second
    for ticket in (first, second):
        assert ticket.startswith("ST-")
        assert len(ticket) >= 32
        assert ticket[3:].isalnum()


@pytest.mark.sdet("SOC-SEC-PII-01", "SOC-INT-ASE-03")
def test_one_login_gives_tickets_to_two_services_without_asking_again(client, cast, app):
    add_service("Other", r"https://other\.example\.org/.*")
    log_in_through_form(client, cast.teacher)
    for service_url in (APP, OTHER_APP):
        response = client.get("/cas/login", {"service": service_url})
        assert response.status_code == 302
        assert response["Location"].startswith(service_url + "?ticket=ST-")
    logins = ServiceLogin.objects.filter(person=cast.teacher)
    assert sorted(logins.values_list("service__name", flat=True)) == ["App", "Other"]


def test_ticket_sends_the_fragment_after_the_ticket(client, cast, app):
    sign_in(client, cast.pupil)
    response = client.get("/cas/login", {"service": APP + "#/home"})
    assert response["Location"].startswith(APP + "?ticket=ST-")
    assert response["Location"].endswith("#/home")


def test_anonymous_person_is_sent_to_the_login_page_that_comes_back_here(client, cast, app):
    response = client.get("/cas/login", {"service": APP})
    query = _login_redirect(response)
    assert query["next"] == [f"/cas/login?service={APP.replace(':', '%3A').replace('/', '%2F')}"]
    assert "renew" not in query
    assert not CasTicket.objects.exists()


def test_after_signing_in_the_login_page_returns_to_cas_which_issues_the_ticket(client, cast, app):
    response = client.get("/cas/login", {"service": APP})
    next_url = _login_redirect(response)["next"][0]
    log_in_through_form(client, cast.pupil)
    response = client.get(next_url)
    assert response.status_code == 302
    assert response["Location"].startswith(APP + "?ticket=ST-")


def test_gateway_sends_an_anonymous_person_back_without_a_ticket(client, cast, app):
    response = client.get("/cas/login", {"service": APP, "gateway": "true"})
    assert response.status_code == 302
    assert response["Location"] == APP
    assert not CasTicket.objects.exists()


def test_gateway_gives_a_signed_in_person_a_ticket(client, cast, app):
    sign_in(client, cast.pupil)
    assert get_ticket(client, APP, gateway="true").startswith("ST-")


def test_renew_asks_for_credentials_even_when_signed_in(client, cast, app):
    sign_in(client, cast.pupil)
    get_ticket(client, APP)  # single sign-on used the session's fresh login
    response = client.get("/cas/login", {"service": APP, "renew": "true"})
    query = _login_redirect(response)
    assert query["renew"] == ["1"]
    assert CasTicket.objects.count() == 1


def test_renew_issues_a_ticket_once_credentials_were_typed_again(client, cast, app):
    log_in_through_form(client, cast.pupil)
    get_ticket(client, APP)
    asked = client.get("/cas/login", {"service": APP, "renew": "true"})["Location"]
    back = log_in_through_form(client, cast.pupil, asked)["Location"]
    response = client.get(back)
    ticket = CasTicket.objects.get(ticket=ticket_in(response["Location"]))
    assert ticket.is_renewed
    again = client.get("/cas/login", {"service": APP, "renew": "true"})
    assert _login_redirect(again)["renew"] == ["1"]


@pytest.mark.sdet("SOC-SEC-IAU-12")
def test_service_needing_level_two_sends_a_level_one_session_to_step_up(client, cast):
    add_service("Marks", r"https://marks\.example\.org/.*", min_level=LEVEL_STRONG)
    sign_in(client, cast.teacher, level=1)
    response = client.get("/cas/login", {"service": "https://marks.example.org/"})
    query = _login_redirect(response)
    assert query["level"] == ["2"]
    assert query["next"][0].startswith("/cas/login?service=")
    assert not CasTicket.objects.exists()


@pytest.mark.sdet("SOC-SEC-IAU-12")
def test_level_two_session_gets_a_ticket_for_a_level_two_service(client, cast):
    add_service("Marks", r"https://marks\.example\.org/.*", min_level=LEVEL_STRONG)
    sign_in(client, cast.teacher, level=LEVEL_STRONG, method="TOTP")
    ticket = get_ticket(client, "https://marks.example.org/")
    assert CasTicket.objects.get(ticket=ticket).level == LEVEL_STRONG


@pytest.mark.sdet("SOC-SEC-PII-06")
@pytest.mark.parametrize("gateway", ["", "true"])
def test_unregistered_service_is_refused_without_any_redirect(client, cast, app, gateway):
    sign_in(client, cast.pupil)
    response = client.get("/cas/login", {"service": EVIL, "gateway": gateway}, headers=ENGLISH)
    assert response.status_code == 403
    assert "Location" not in response
    assert "Service not authorised" in response.content.decode()
    assert not CasTicket.objects.exists()
    refusal = AuditEvent.objects.get(action="sso.cas.login.refuse")
    assert (refusal.actor, refusal.outcome) == (cast.pupil, Outcome.FAILURE)
    assert refusal.data["service_url"] == EVIL


def test_a_pattern_must_match_the_whole_service_url(client, cast, app):
    sign_in(client, cast.pupil)
    response = client.get(
        "/cas/login", {"service": "https://evil.example.com/?https://app.example.org/"}
    )
    assert response.status_code == 403


def test_unapproved_service_gets_no_ticket(client, cast):
    add_service("Pending", r"https://pending\.example\.org/.*", approve=False)
    sign_in(client, cast.pupil)
    response = client.get(
        "/cas/login", {"service": "https://pending.example.org/"}, headers=ENGLISH
    )
    assert response.status_code == 403
    assert "not authorised" in response.content.decode()


def test_disabled_service_gets_no_ticket(client, cast, app):
    disable_service(actor=None, service=app)
    sign_in(client, cast.pupil)
    assert client.get("/cas/login", {"service": APP}).status_code == 403


def test_without_a_service_a_signed_in_person_sees_the_signed_in_page(client, cast):
    sign_in(client, cast.pupil)
    response = client.get("/cas/login", headers=ENGLISH)
    assert response.status_code == 200
    assert "You are signed in as Léa Petit" in response.content.decode()


def test_without_a_service_an_anonymous_person_is_sent_to_the_login_page(client, cast):
    assert _login_redirect(client.get("/cas/login"))["next"] == ["/cas/login"]


def test_issued_ticket_is_audited_with_the_person_and_the_service(client, cast, app):
    sign_in(client, cast.pupil)
    ticket = get_ticket(client, APP)
    event = AuditEvent.objects.get(action="sso.cas.ticket.issue")
    assert (event.actor, event.target_id, event.target_type) == (
        cast.pupil,
        str(app.pk),
        "sso.service",
    )
    assert ticket.startswith(event.data["ticket"].rstrip("…"))
    assert ticket not in str(event.data)


def test_ticket_issue_records_the_service_login_for_single_logout(client, cast, app):
    sign_in(client, cast.pupil)
    ticket = get_ticket(client, APP)
    login = ServiceLogin.objects.get()
    assert login.data["ticket"] == ticket
    assert login.session_key == client.session.session_key


def test_logout_ends_the_session_and_follows_an_approved_service(client, cast, app):
    sign_in(client, cast.pupil)
    response = client.get("/cas/logout", {"service": APP})
    assert response.status_code == 302
    assert response["Location"] == APP
    assert _login_redirect(client.get("/cas/login", {"service": APP}))


@pytest.mark.parametrize("parameter", ["service", "url"])
def test_logout_never_redirects_outside_the_registry(client, cast, app, parameter):
    sign_in(client, cast.pupil)
    response = client.get("/cas/logout", {parameter: EVIL}, headers=ENGLISH)
    assert response.status_code == 200
    assert "You are signed out" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_without_a_session_shows_the_signed_out_page(client, db):
    response = client.get("/cas/logout", headers=ENGLISH)
    assert response.status_code == 200
    assert "You are signed out" in response.content.decode()


def test_pages_are_in_french_and_extend_the_base(client, cast):
    sign_in(client, cast.pupil)
    content = client.get("/cas/login").content.decode()
    assert '<html lang="fr">' in content
    assert 'id="content"' in content
