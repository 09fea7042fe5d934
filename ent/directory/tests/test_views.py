"""Pages of the foundation: every URL is gated, the home page, the operators' admin."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ent.audit.actions import record
from ent.directory.models import Enrolment

# Sign-in pages are public by nature: the login, its second step (one-time code), the code
# generator's enrolment (reached between the password and the code), the sign-out page, and
# the account lifecycle's first connection and recovery pages.
PUBLIC = {
    # Signing in, activation, recovery and the federation discovery page.
    "login",
    "logout",
    "code",
    "totp",
    "activate",
    "card",
    "password-forgotten",
    "password-reset",
    "login-forgotten",
    "discovery",
    "set_language",
    # Protocol endpoints called by services or by browsers on their way back from them.
    "cas-login",
    "cas-logout",
    "cas-validate",
    "cas-service-validate",
    "cas-proxy-validate",
    "cas-p3-service-validate",
    "cas-p3-proxy-validate",
    "cas-proxy",
    "cas-saml-validate",
    "saml-idp-metadata",
    "saml-idp-sso",
    "saml-idp-continue",
    "saml-idp-slo",
    "saml-idp-slo-continue",
    "saml-sp-metadata",
    "saml-sp-login",
    "saml-sp-acs",
    "saml-sp-choose",
    "saml-sp-slo",
    "saml-sp-slo-continue",
    "oidc-discovery",
    "oidc-authorize",
    "oidc-token",
    "oidc-userinfo",
    "oidc-jwks",
    "oidc-revoke",
    "oidc-logout",
    # SDET §10.2.2.2 and SOC-POR-PPO-08: the schools' public pages, the personal-data notice
    # and the accessibility statement are read before signing in.
    "privacy",
    "accessibility",
    "schools",
    # A calendar application cannot sign in: the timetable feed is public, gated by a secret
    # token each person may revoke.
    "feed",
    "school-page",
    # UTI-CCO-PWE-02: a public blog, its posts, a page opened to the Internet and their media
    # are read without signing in; anything else answers the login page.
    "blog-read",
    "post-read",
    "page-read",
    "media-read",
    # SOC-POR-GMC-01: the classic-site switch is offered on the login page of a phone too.
    "channel",
    # The API's description; its endpoints answer 401 themselves (checked below).
    "openapi-json",
    "openapi-view",
    "api-root",
}


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_every_view_is_public_on_purpose_or_needs_a_login(client, db):
    checked = 0
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or "(?P" in route:
            continue
        route = route.replace("<uuid>", "00000000-0000-0000-0000-000000000000")
        if route.startswith("api/v1/"):
            # The API's parameters take any sample value: its auth answers before they are read.
            route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
            route = re.sub(r"<[^>]+>", "1", route)
        if "<" in route:
            assert getattr(pattern.callback, "login_required", True) or pattern.name in PUBLIC
            continue
        callback = pattern.callback
        if route.startswith("api/v1/") and pattern.name not in PUBLIC:
            response = client.get("/" + route)
            if response.status_code == 405:
                method = response["Allow"].split(",")[0].strip()
                response = client.generic(method, "/" + route)
            assert response.status_code == 401, route
            checked += 1
            continue
        if getattr(callback, "login_required", True) is False:
            assert pattern.name in PUBLIC, f"{route} is public without being listed as such"
            continue
        response = client.get("/" + route)
        assert response.status_code == 302, route
        assert response["Location"].startswith(reverse("identity:login")), route
        checked += 1
    assert checked >= 1


def test_home_page_shows_the_person_their_schools_classes_and_children(
    client, cast, django_assert_max_num_queries
):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    client.force_login(cast.guardian)
    response = client.get(reverse("directory:home"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    page = response.content.decode()
    assert "Collège X" in page
    assert "Léa Petit" in page
    client.force_login(cast.pupil)
    # The page's five reads, the frame's (rights, schools, preference, layout, unread count:
    # 10), the alert banner's (1) and the session's (3: read, user, first write).
    with django_assert_max_num_queries(21):
        page = client.get(reverse("directory:home")).content.decode()
    assert "3eA" in page
    assert "Paul Petit" in page
    assert "Collège Y" not in page


def test_login_page_is_french_and_refuses_a_wrong_password(client, cast):
    response = client.get(reverse("identity:login"))
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()
    response = client.post(
        reverse("identity:login"), {"username": cast.pupil.login, "password": "wrong"}
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    response = client.post(
        reverse("identity:login"), {"username": cast.pupil.login, "password": "secret-Passw0rd!"}
    )
    assert response.status_code == 302


@pytest.mark.sdet("SOC-SEC-APS-03")
def test_audit_trail_is_readable_only_by_authorised_operators(client, cast):
    record(actor=cast.head, action="directory.class.change", target=cast.pupil)
    url = reverse("admin:audit_auditevent_changelist")
    client.force_login(cast.head)
    assert client.get(url).status_code == 302, "a head of school is no operator"
    cast.school_admin.is_staff = True
    cast.school_admin.save()
    client.force_login(cast.school_admin)
    assert client.get(url).status_code == 403, "an operator needs the audit permission"
    cast.school_admin.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    response = client.get(url)
    assert response.status_code == 200
    assert "directory.class.change" in response.content.decode()
    change = reverse("admin:audit_auditevent_change", args=[1])
    assert client.post(change, {"action": "x"}).status_code in {403, 302}


def test_demo_setup_is_safe_twice_and_lists_one_account_per_profile(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", "setup", "--people", "300", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("demo", "setup", "--people", "300", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("demo", "accounts", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {"ELV", "TUT", "ENS", "DOC", "DIR", "EVS", "ETA", "ACA"} <= {
        row["profile"] for row in rows
    }
    assert len({row["login"] for row in rows}) == len(rows)
    from django.contrib.auth import authenticate

    pupil = next(row for row in rows if row["profile"] == "ELV")
    assert authenticate(username=pupil["login"], password=pupil["password"]) is not None


def test_an_anonymous_visitor_can_switch_the_login_page_to_english(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("identity:login")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:login")
    page = client.get(reverse("identity:login")).content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page
