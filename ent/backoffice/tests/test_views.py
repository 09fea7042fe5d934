"""Who may open the back-office: the matrix of every page, and the home page's choice."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from ent.directory.models import Membership, Profile, Source
from ent.rights.registry import Level
from ent.rights.testing import ungated_views

from .factories import member, page

pytestmark = pytest.mark.django_db

GET_PAGES: list[tuple[str, dict[str, object]]] = [
    ("dashboard", {}),
    ("externals", {}),
    ("grants", {}),
    ("delegations", {}),
    ("communication", {}),
    ("connectors", {}),
    ("statistics", {}),
    ("statistics-csv", {}),
]
POST_PAGES: list[tuple[str, dict[str, object]]] = [
    ("external-create", {}),
    ("external-validity", {"uuid": uuid.UUID(int=1)}),
    ("external-end", {"uuid": uuid.UUID(int=1)}),
    ("grant-add", {}),
    ("grant-change", {"grant_id": 1, "operation": "suspend"}),
    ("delegation-add", {}),
    ("delegation-revoke", {"delegation_id": 1}),
    ("communication", {}),
    ("connector-approve", {"service_id": 1}),
    ("connector-disable", {"service_id": 1}),
]
EVERY_PAGE = [("get", *item) for item in GET_PAGES] + [("post", *item) for item in POST_PAGES]


def _ask(client: Client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url)


def test_every_view_of_the_back_office_is_gated():
    assert ungated_views(modules=("ent.backoffice.",)) == []


@pytest.mark.parametrize(("method", "name", "kwargs"), EVERY_PAGE)
def test_anonymous_person_is_sent_to_the_login_page(client, cast, method, name, kwargs):
    response = _ask(client, method, page(name, cast.school, **kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.parametrize(("method", "name", "kwargs"), EVERY_PAGE)
def test_outsider_gets_404_for_a_school_that_is_not_theirs(
    client, cast, defaults, method, name, kwargs
):
    client.force_login(cast.outsider)
    assert _ask(client, method, page(name, cast.school, **kwargs)).status_code == 404


@pytest.mark.parametrize(("method", "name", "kwargs"), EVERY_PAGE)
def test_the_head_of_another_school_gets_404_too(client, cast, defaults, method, name, kwargs):
    other_head = member("head.y", cast.other_school, Profile.DIR)
    client.force_login(other_head)
    assert _ask(client, method, page(name, cast.school, **kwargs)).status_code == 404
    assert client.get(page("dashboard", cast.other_school)).status_code == 200


@pytest.mark.parametrize(("method", "name", "kwargs"), EVERY_PAGE)
def test_teacher_and_pupil_of_the_school_get_403(client, cast, defaults, method, name, kwargs):
    for person in (cast.teacher, cast.pupil, cast.guardian):
        client.force_login(person)
        assert _ask(client, method, page(name, cast.school, **kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), GET_PAGES)
def test_head_and_school_administrator_open_every_page(client, cast, defaults, name, kwargs):
    for person in (cast.head, cast.school_admin):
        client.force_login(person)
        assert client.get(page(name, cast.school, **kwargs)).status_code == 200


def test_a_school_that_does_not_exist_answers_404(client, cast, defaults):
    client.force_login(cast.head)
    response = client.get(reverse("backoffice:dashboard", kwargs={"school_id": 999_999}))
    assert response.status_code == 404


def test_without_default_grants_nobody_opens_the_back_office(client, cast):
    client.force_login(cast.head)
    assert client.get(page("dashboard", cast.school)).status_code == 403


# Home ----------------------------------------------------------------------------------------


def test_home_sends_the_head_of_one_school_to_its_dashboard(client, cast, defaults):
    client.force_login(cast.head)
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 302
    assert response["Location"] == page("dashboard", cast.school)


def test_home_lists_the_schools_of_someone_who_administers_two(client, cast, defaults):
    Membership.objects.create(
        person=cast.head, school=cast.other_school, profile=Profile.DIR, source=Source.MANUAL
    )
    client.force_login(cast.head)
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 200
    assert [school.uai for school in response.context["schools"]] == ["0000001B", "0000002C"]
    assert page("dashboard", cast.other_school).encode() in response.content


def test_home_refuses_someone_who_administers_no_school(client, cast, defaults):
    client.force_login(cast.teacher)
    assert client.get(reverse("backoffice:home")).status_code == 403


def test_anonymous_home_is_the_login_page(client, cast):
    response = client.get(reverse("backoffice:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


# Dashboard -----------------------------------------------------------------------------------


def test_dashboard_counts_accounts_by_profile_and_state(client, cast, defaults):
    from django.utils import timezone

    cast.teacher.suspended_at = timezone.now()
    cast.teacher.is_active = False
    cast.teacher.save()
    cast.pupil.activated_at = timezone.now()
    cast.pupil.save()
    member("pupil.two", cast.school, Profile.ELV)
    client.force_login(cast.head)
    response = client.get(page("dashboard", cast.school))
    counts = {row.profile: row for row in response.context["counts"]}
    assert (counts["ELV"].total, counts["ELV"].active, counts["ELV"].waiting) == (2, 1, 1)
    assert (counts["ENS"].total, counts["ENS"].suspended, counts["ENS"].active) == (1, 1, 0)
    assert set(counts) == {"ELV", "ENS", "TUT", "DIR", "ETA"}
    assert b'data-profile="ELV"' in response.content
    assert reverse("identity:accounts").encode() in response.content
    assert reverse("identity:classes").encode() in response.content


def test_school_admin_level_below_manage_is_not_enough(client, cast, defaults):
    from ent.rights.actions import grant_service

    grant_service(
        actor=None, service="school_admin", level=Level.USE, person=cast.teacher, school=cast.school
    )
    client.force_login(cast.teacher)
    assert client.get(page("dashboard", cast.school)).status_code == 403
