"""The launcher: /go/<code>/ opens only a service the person holds, and counts the use."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ent.audit.models import UsageCount
from ent.directory.models import Profile
from ent.rights.tests.factories import build_world, new_school
from ent.sso.actions import approve_service, register_service

from .home_factories import ONLY, catalogue, services_on

__all__ = ["catalogue"]

HOME = reverse("portal:home")


def go(code: str) -> str:
    return reverse("portal:launch", args=[code])


def test_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(go("home_news"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_a_service_the_person_does_not_hold_is_not_found(client, cast, catalogue):
    client.force_login(cast.outsider)
    assert client.get(go(ONLY[Profile.ELV])).status_code == 404
    assert client.get(go("no_such_service")).status_code == 404
    # A service without a page of its own opens nowhere, even for whom holds it.
    client.force_login(cast.head)
    assert client.get(go("school_admin")).status_code == 404


@pytest.mark.sdet("SOC-POR-PPO-04")
def test_an_allowed_person_is_sent_to_the_service_and_the_use_is_counted(client, cast, catalogue):
    client.force_login(cast.pupil)
    response = client.get(go(ONLY[Profile.ELV]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:schools")
    client.get(go(ONLY[Profile.ELV]))
    counts = UsageCount.objects.filter(service=ONLY[Profile.ELV])
    assert list(counts.values_list("school_id", "profile", "count")) == [
        (cast.school.pk, Profile.ELV, 2)
    ]


def test_a_service_held_in_another_school_of_the_person_opens_too(client, cast, catalogue):
    build_world(cast)
    client.force_login(cast.teacher)
    # Her current school is X; the family service comes from Martin, her son in Y.
    assert ONLY[Profile.TUT] not in services_on(client.get(HOME).content.decode())
    response = client.get(go(ONLY[Profile.TUT]))
    assert response.status_code == 302
    assert UsageCount.objects.get(service=ONLY[Profile.TUT]).school_id == cast.other_school.pk


def test_only_launcher_entries_lead_to_the_launch_url(client, cast, catalogue):
    client.force_login(cast.teacher)
    page = client.get(HOME).content.decode()
    for code, href in re.findall(r'data-service="([^"]+)" href="([^"]+)"', page):
        assert href == go(code)
        assert client.get(href).status_code == 302, code


@pytest.mark.sdet("SOC-POR-PPO-04")
def test_a_connector_appears_once_approved_and_only_for_the_profiles_granted(
    client, cast, catalogue
):
    service = register_service(
        actor=None,
        protocol="CAS",
        name="Vie scolaire",
        url_pattern=r"https://vs\.example/.*",
        code="vie_scolaire",
        launch_url="https://vs.example/",
        school=cast.school,
    )
    client.force_login(cast.pupil)
    assert "vie_scolaire" not in services_on(client.get(HOME).content.decode())
    assert client.get(go("vie_scolaire")).status_code == 404

    approve_service(actor=cast.head, service=service, profiles=["ELV", "TUT"])
    page = client.get(HOME).content.decode()
    assert "vie_scolaire" in services_on(page)
    entry = re.search(r'<a [^>]*data-service="vie_scolaire"[^>]*>.*?</a>', page, re.S)
    assert entry is not None
    assert 'data-external="true"' in entry.group(0)
    assert 'class="visually-hidden"' in entry.group(0)
    response = client.get(go("vie_scolaire"))
    assert response.status_code == 302
    assert response["Location"] == "https://vs.example/"

    client.force_login(cast.teacher)
    assert "vie_scolaire" not in services_on(client.get(HOME).content.decode())
    assert client.get(go("vie_scolaire")).status_code == 404
    client.force_login(cast.outsider)
    assert client.get(go("vie_scolaire")).status_code == 404


def test_the_context_switch_refuses_a_school_that_is_not_the_persons(client, cast, catalogue):
    build_world(cast)
    elsewhere = new_school(name="École ailleurs")
    client.force_login(cast.teacher)
    url = reverse("portal:context")
    assert client.post(url, {"school": elsewhere.pk}).status_code == 404
    assert client.post(url, {"school": "x"}).status_code == 404
    assert client.get(url).status_code == 405
    # Mme Dupont: teacher in X, guardian in Y; switching moves the launcher to Y.
    page = client.get(HOME).content.decode()
    assert ONLY[Profile.ENS] in services_on(page)
    assert ONLY[Profile.TUT] not in services_on(page)
    response = client.post(url, {"school": cast.other_school.pk, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get(HOME).content.decode()
    assert ONLY[Profile.TUT] in services_on(page)
    assert ONLY[Profile.ENS] not in services_on(page)


def test_the_context_switch_needs_a_signed_in_person_and_the_csrf_token(client, cast):
    url = reverse("portal:context")
    response = client.post(url, {"school": cast.school.pk})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.teacher)
    assert strict.post(url, {"school": cast.school.pk}).status_code == 403
