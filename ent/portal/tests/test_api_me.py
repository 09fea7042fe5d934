"""`GET /api/v1/me`: the signed-in person, their memberships, classes, children and services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from ent.directory.models import Membership, Profile, Source
from ent.portal.models import Preference
from ent.rights import registry
from ent.rights.actions import grant_service, install_default_grants
from ent.rights.tests.factories import build_world, new_school
from ent.sso.actions import register_service

from .home_factories import ONLY, catalogue, extra_service

__all__ = ["catalogue"]

ME = "/api/v1/me"


def test_without_a_session_or_a_token_the_api_answers_401_problem(client, db):
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer forged")
    assert response.status_code == 401


@pytest.mark.sdet("SOC-POR-PPO-04")
def test_a_pupil_reads_who_they_are_where_and_their_services(client, cast, catalogue):
    build_world(cast)
    client.force_login(cast.pupil)
    response = client.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["person"] == {
        "uuid": str(cast.pupil.uuid),
        "login": "lea.petit",
        "display_name": "Léa Petit",
        "first_name": "Léa",
        "last_name": "Petit",
    }
    assert body["memberships"] == [
        {"school": {"uai": "0000001B", "name": "Collège X"}, "profile": "ELV", "functions": []}
    ]
    assert [(c["label"], c["school_uai"], c["role"]) for c in body["classes"]] == [
        ("3eA", "0000001B", "pupil")
    ]
    assert body["children"] == []
    assert body["current_school"] == "0000001B"
    services = {service["code"]: service for service in body["services"]}
    assert {"home_news", ONLY[Profile.ELV]} <= set(services)
    assert ONLY[Profile.ENS] not in services
    assert services[ONLY[Profile.ELV]] == {
        "code": ONLY[Profile.ELV],
        "label": "Travail à faire (test)",
        "level": 20,
        "url": reverse("portal:schools"),
        "launch_url": reverse("portal:launch", args=[ONLY[Profile.ELV]]),
        "external": False,
        "school_uais": ["0000001B"],
    }


def test_a_guardian_reads_their_children_and_a_teacher_their_classes(client, cast, catalogue):
    build_world(cast)
    client.force_login(cast.guardian)
    body = client.get(ME).json()
    children = [
        (child["display_name"], [c["label"] for c in child["classes"]])
        for child in body["children"]
    ]
    assert children == [("Léa Petit", ["3eA"])]
    assert body["children"][0]["uuid"] == str(cast.pupil.uuid)
    client.force_login(cast.teacher)
    body = client.get(ME).json()
    assert {(c["label"], c["role"]) for c in body["classes"]} == {
        ("3eA", "teacher"),
        ("4eB", "teacher"),
    }
    assert [child["display_name"].split()[0] for child in body["children"]] == ["Martin"]
    assert [c["school_uai"] for c in body["children"][0]["classes"]] == [cast.other_school.uai]


def test_the_services_are_those_before_personal_hiding_and_follow_the_context(
    client, cast, catalogue
):
    build_world(cast)
    Preference.objects.create(person=cast.teacher, hidden_services=["home_news"])
    client.force_login(cast.teacher)
    body = client.get(ME).json()
    codes = {service["code"] for service in body["services"]}
    assert "home_news" in codes
    assert ONLY[Profile.ENS] in codes
    assert ONLY[Profile.TUT] not in codes
    client.post(reverse("portal:context"), {"school": cast.other_school.pk})
    body = client.get(ME).json()
    assert body["current_school"] == cast.other_school.uai
    codes = {service["code"] for service in body["services"]}
    assert ONLY[Profile.TUT] in codes
    assert ONLY[Profile.ENS] not in codes


def test_a_project_wide_grant_has_no_school_list(client, cast, catalogue):
    grant_service(actor=None, service=ONLY[Profile.ENS], person=cast.pupil)
    client.force_login(cast.pupil)
    services = {service["code"]: service for service in client.get(ME).json()["services"]}
    assert services[ONLY[Profile.ENS]]["school_uais"] is None


def test_me_costs_the_same_queries_whatever_the_schools_and_services(client, cast, catalogue):
    client.force_login(cast.pupil)
    client.get(ME)
    with CaptureQueriesContext(connection) as few:
        client.get(ME)
    try:
        for index in range(5):
            school = new_school()
            Membership.objects.create(
                person=cast.pupil, school=school, profile=Profile.ELV, source=Source.MANUAL
            )
            grant_service(actor=None, service="home_news", person=cast.pupil, school=school)
            extra_service(index)
        install_default_grants(actor=None)
        with CaptureQueriesContext(connection) as many:
            body = client.get(ME).json()
    finally:
        for index in range(5):
            registry.unregister(f"home_extra_{index}")
    assert len(body["memberships"]) == 6
    assert len(many) == len(few)


@pytest.mark.sdet("SOC-INT-PSE-03")
def test_the_mobile_app_reads_me_with_its_access_token(client, cast, catalogue, settings):
    settings.ENT_OIDC_API_CLIENTS = ["fr.ent.mobile"]
    service = register_service(
        actor=None,
        protocol="OIDC",
        name="Application mobile",
        redirect_uris=["http://127.0.0.1:8765/callback"],
        client_type="public",
        client_id="fr.ent.mobile",
        approve=True,
    )
    token = AccessToken.objects.create(
        user=cast.pupil,
        application=Application.objects.get(client_id=service.client_id),
        token="mobile-access-token",  # S106: a test token
        expires=timezone.now() + timedelta(minutes=5),
        scope="openid api",
    )
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token.token}")
    assert response.status_code == 200
    body = response.json()
    assert body["person"]["login"] == "lea.petit"
    assert ONLY[Profile.ELV] in {service["code"] for service in body["services"]}
