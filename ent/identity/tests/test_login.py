"""The sign-in and sign-out pages: branding, CSRF, redirections, renewed and stepped-up logins,
refused accounts, and the identity service as the only receiver of passwords."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ent.audit.models import AuditEvent, UsageCount
from ent.identity import session as session_module
from ent.identity.actions import start_totp_enrolment
from ent.identity.models import LoginFailure, Method, TotpDevice, UserSession
from ent.identity.session import consume_fresh_login, session_level
from ent.identity.totp import decrypt_secret, totp

PASSWORD = "secret-Passw0rd!"
LOGIN = reverse("identity:login")


def page(response) -> str:
    return html.unescape(response.content.decode())


def french(msgid: str) -> str:
    with translation.override("fr"):
        return gettext(msgid)


def sign_in(client, person, password=PASSWORD, url=LOGIN, **extra):
    return client.post(url, {"username": person.login, "password": password}, **extra)


def session_request(client, person):
    """A request carrying the client's session, to read it through the session contract."""
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = person
    return request


def confirmed_generator(person) -> bytes:
    device = start_totp_enrolment(actor=person)
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    return decrypt_secret(device.secret)


def test_login_page_shows_the_project_and_the_academy_in_french(client, db, settings):
    settings.ENT_PROJECT_NAME = "Toutatice"
    settings.ENT_ACADEMY = "Rennes"
    response = client.get(LOGIN)
    assert response.status_code == 200
    text = page(response)
    assert 'lang="fr"' in text
    assert "Toutatice" in text
    assert "Rennes" in text
    assert french("Sign in") in text
    assert response.headers["Cache-Control"].startswith("max-age=0")


@pytest.mark.sdet("SOC-SEC-IAU-03", "SOC-SEC-APS-03")
def test_a_pupil_signs_in_with_a_password_and_lands_on_the_page_asked(client, cast):
    response = sign_in(client, cast.pupil, url=f"{LOGIN}?next=/some/page")
    assert response.status_code == 302
    assert response["Location"] == "/some/page"
    tracked = UserSession.objects.get(person=cast.pupil)
    assert (tracked.method, tracked.level) == (Method.PASSWORD, 1)
    start = AuditEvent.objects.get(action="identity.session.start")
    assert start.actor == cast.pupil
    assert start.address == "127.0.0.1"
    assert client.get(reverse("portal:home")).status_code == 200


def test_each_sign_in_counts_one_connection_per_school_and_profile_without_names(client, cast):
    sign_in(client, cast.pupil)
    Client().post(LOGIN, {"username": cast.pupil.login, "password": PASSWORD})
    sign_in(Client(), cast.teacher)
    counts = {
        (row.school_id, row.profile): row.count
        for row in UsageCount.objects.filter(service="login", day=timezone.localdate())
    }
    assert counts == {(cast.school.pk, "ELV"): 2, (cast.school.pk, "ENS"): 1}
    # Counters only: no column points at a person.
    assert not any(field.is_relation for field in UsageCount._meta.get_fields())


def test_a_signed_in_person_visiting_the_login_page_goes_on_without_typing_again(client, cast):
    sign_in(client, cast.pupil)
    response = client.get(f"{LOGIN}?next=/elsewhere")
    assert response.status_code == 302
    assert response["Location"] == "/elsewhere"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http:evil.example",
        "javascript:alert(1)",
        "https://testserver.evil.example/",
    ],
)
def test_a_next_parameter_leading_off_the_ent_is_refused_and_traced(client, cast, target):
    response = client.post(
        LOGIN, {"username": cast.pupil.login, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    refused = AuditEvent.objects.get(action="identity.redirect.refuse")
    assert refused.data["url"] == target
    assert refused.outcome == "FAILURE"


def test_the_login_form_is_refused_without_its_csrf_token_and_the_attempt_is_traced(cast):
    browser = Client(enforce_csrf_checks=True)
    response = sign_in(browser, cast.pupil)
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session
    assert AuditEvent.objects.filter(action="identity.csrf.refuse", outcome="FAILURE").exists()
    form = browser.get(LOGIN)
    token = form.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.post(
        LOGIN,
        {"username": cast.pupil.login, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


@pytest.mark.sdet("SOC-SEC-IAU-13")
@pytest.mark.parametrize("state", ["inactive", "suspended", "deactivated", "no password", "wrong"])
def test_an_account_that_may_not_sign_in_gets_the_same_answer_as_an_unknown_login(
    client, cast, state
):
    pupil = cast.pupil
    password = PASSWORD
    if state == "inactive":
        pupil.is_active = False
    elif state == "suspended":
        pupil.suspended_at = timezone.now()
    elif state == "deactivated":
        pupil.deactivated_at = timezone.now()
    elif state == "no password":
        pupil.set_unusable_password()
    else:
        password = "not-the-password"
    pupil.save()
    refused = sign_in(client, pupil, password=password)
    unknown = client.post(LOGIN, {"username": "nobody.here", "password": PASSWORD})
    assert refused.status_code == unknown.status_code == 200
    alert = french("Your login and password did not match. Please try again.")
    assert alert in page(refused)
    assert alert in page(unknown)
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(login=pupil.login).count() == 1
    assert LoginFailure.objects.filter(login="nobody.here", reason="unknown_login").count() == 1


def test_an_empty_form_asks_for_both_fields(client, db):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    assert french("Type your login and your password.") in page(response)
    assert not LoginFailure.objects.exists()


@pytest.mark.sdet("SOC-SEC-IAU-12")
def test_renew_asks_a_signed_in_person_for_their_password_again(client, cast):
    sign_in(client, cast.pupil)
    request = session_request(client, cast.pupil)
    assert consume_fresh_login(request)
    request.session.save()
    key = client.session.session_key
    response = client.get(f"{LOGIN}?renew=1&next=/cas/login")
    assert response.status_code == 200
    assert 'name="password"' in page(response)
    assert f'value="{cast.pupil.login}"' in page(response)
    response = sign_in(client, cast.pupil, url=f"{LOGIN}?renew=1&next=/cas/login")
    assert response["Location"] == "/cas/login"
    # The same session goes on, so the services it signed into are still logged out with it.
    assert client.session.session_key == key
    assert UserSession.objects.filter(person=cast.pupil).count() == 1
    assert consume_fresh_login(session_request(client, cast.pupil))
    assert AuditEvent.objects.filter(action="identity.session.renew").count() == 1


def test_renewing_as_someone_else_ends_the_first_persons_session(client, cast):
    sign_in(client, cast.pupil)
    response = sign_in(client, cast.teacher, url=f"{LOGIN}?renew=1")
    assert response.status_code == 302
    first = UserSession.objects.get(person=cast.pupil)
    assert first.end_reason == "switch"
    assert int(client.session["_auth_user_id"]) == cast.teacher.pk


@pytest.mark.sdet("SOC-SEC-IAU-11", "SOC-SEC-IAU-12", "SOC-SEC-APS-03")
def test_a_service_asking_level_2_makes_a_password_session_give_only_a_one_time_code(client, cast):
    secret = confirmed_generator(cast.pupil)
    sign_in(client, cast.pupil)
    response = client.get(f"{LOGIN}?level=2&next=/cas/login")
    assert response.status_code == 302
    step_up = response["Location"]
    assert urlsplit(step_up).path == reverse("identity:code")
    assert parse_qs(urlsplit(step_up).query) == {"next": ["/cas/login"], "level": ["2"]}
    form = client.get(step_up)
    assert 'name="code"' in page(form)
    assert 'name="password"' not in page(form)
    response = client.post(step_up, {"code": totp(secret, timezone.now().timestamp())})
    assert response["Location"] == "/cas/login"
    assert session_level(session_request(client, cast.pupil)) == 2
    assert UserSession.objects.get(person=cast.pupil).method == Method.TOTP
    assert AuditEvent.objects.filter(action="identity.session.step_up").exists()


@pytest.mark.sdet("SOC-SEC-IAU-12")
def test_a_person_without_a_generator_asked_for_level_2_is_told_to_enrol_first(client, cast):
    sign_in(client, cast.pupil)
    response = client.get(f"{LOGIN}?level=2&next=/cas/login", follow=True)
    assert response.status_code == 403
    text = page(response)
    assert french("A one-time code is needed") in text
    assert f'href="{reverse("identity:totp")}?next=%2Fcas%2Flogin&amp;level=2"' in (
        response.content.decode()
    )
    assert session_level(session_request(client, cast.pupil)) == 1


@pytest.mark.sdet("SOC-SEC-IAU-11")
def test_an_anonymous_visitor_asked_for_level_2_gives_password_then_code(client, cast):
    secret = confirmed_generator(cast.pupil)
    response = sign_in(client, cast.pupil, url=f"{LOGIN}?level=2&next=/x")
    assert urlsplit(response["Location"]).path == reverse("identity:code")
    assert "_auth_user_id" not in client.session, "nobody is signed in before the code"
    response = client.post(response["Location"], {"code": totp(secret, timezone.now().timestamp())})
    assert response["Location"] == "/x"
    tracked = UserSession.objects.get(person=cast.pupil)
    assert (tracked.method, tracked.level) == (Method.TOTP, 2)


def test_the_code_page_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(reverse("identity:code") + "?next=/x&level=2")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fx&level=2"


@pytest.mark.sdet("SOC-SEC-IAU-04", "SOC-SEC-APS-03")
def test_sign_out_asks_for_confirmation_then_ends_the_session_everywhere(client, cast, monkeypatch):
    ended = []
    monkeypatch.setattr(
        session_module, "_session_end_hooks", [lambda person, key: ended.append((person, key))]
    )
    sign_in(client, cast.pupil)
    key = client.session.session_key
    confirm = client.get(reverse("identity:logout"))
    assert confirm.status_code == 200
    assert f'<form method="post" action="{reverse("identity:logout")}">' in page(confirm)
    assert "_auth_user_id" in client.session, "a GET signs nobody out"
    response = client.post(reverse("identity:logout"), follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert french("You are signed out.") in page(response)
    assert ended == [(cast.pupil, key)]
    assert UserSession.objects.get(person=cast.pupil).end_reason == "logout"
    assert AuditEvent.objects.filter(action="identity.session.end", actor=cast.pupil).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("portal:home")).status_code == 302


def test_sign_out_page_sends_an_anonymous_visitor_to_the_login_page(client, db):
    assert client.get(reverse("identity:logout"))["Location"] == LOGIN
    assert client.post(reverse("identity:logout"))["Location"] == LOGIN


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace


@pytest.mark.sdet("SOC-SEC-IAU-06")
def test_only_the_identity_service_ever_asks_for_a_password(client, cast):
    """Every page outside the identity service, signed in or not, is free of password fields:
    the SSO protocols send people to the login page and never see a password themselves."""
    client.raise_request_exception = False
    pages = 0
    for signed_in in (False, True):
        if signed_in:
            client.force_login(cast.pupil)
        for route, namespace in _routes(get_resolver().url_patterns):
            if namespace in {"identity", "admin"} or "<" in route or "(?P" in route:
                continue
            response = client.get("/" + route)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                pages += 1
                assert 'type="password"' not in response.content.decode(), route
    assert pages >= 1
    login_form = page(client.get(f"{LOGIN}?renew=1"))
    assert f'<form method="post" action="{LOGIN}?renew=1">' in login_form


@pytest.mark.sdet("SOC-SEC-IAU-07", "SOC-SEC-IAU-08")
def test_the_session_cookie_is_http_only_and_no_password_is_kept_in_clear(client, cast):
    response = sign_in(client, cast.pupil)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    cast.pupil.refresh_from_db()
    assert PASSWORD not in cast.pupil.password
    assert cast.pupil.check_password(PASSWORD)
    stored = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert PASSWORD not in repr(stored)


def test_a_login_typed_in_capitals_still_signs_in(client, cast):
    response = client.post(LOGIN, {"username": " Lea.Petit ", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == cast.pupil.pk


def test_an_unreadable_level_is_taken_as_the_password_level(client, cast):
    response = sign_in(client, cast.pupil, url=f"{LOGIN}?level=high&next=/x")
    assert response["Location"] == "/x"
    assert session_level(session_request(client, cast.pupil)) == 1
