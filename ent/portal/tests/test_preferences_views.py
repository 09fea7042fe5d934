"""The personalisation pages and API over HTTP: the permission matrix, forged input refused, and
preferences that follow the person from one device to another."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.directory.models import Enrolment, HeadTeacher
from ent.portal.models import Layout, Preference, SchoolPage, TextSize, Theme
from ent.rights import registry
from ent.rights.actions import install_default_grants
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration
from ent.rights.tests.factories import new_class, new_group, new_person

SERVICES = (
    ServiceDeclaration(
        code="test_news",
        label="Actualités (test)",
        url_name="portal:preferences",
        defaults=tuple(DefaultGrant(profile, Level.READ) for profile in sorted(registry.PROFILES)),
    ),
    ServiceDeclaration(
        code="test_teacher_tool",
        label="Outil enseignant (test)",
        url_name="portal:preferences",
        defaults=(DefaultGrant("ENS"),),
    ),
)
PREFERENCES = "/preferences/"
API = "/api/v1/preferences"


@pytest.fixture
def services(db):
    for declaration in SERVICES:
        registry.register(declaration)
    install_default_grants(actor=None)
    yield [declaration.code for declaration in SERVICES]
    for declaration in SERVICES:
        registry.unregister(declaration.code)


def html_classes(response) -> set[str]:
    match = re.search(r'<html lang="[^"]+"(?: class="([^"]*)")?>', response.content.decode())
    assert match is not None
    return set((match.group(1) or "").split())


def form_of(person_codes, **changes):
    """The POST a browser sends with every held service ticked, in the page's order."""
    data = {
        "shown": list(person_codes),
        "order": " ".join(person_codes),
        "theme": "",
        "text_size": "100",
    }
    return data | changes


def shown_codes(response) -> list[str]:
    return re.findall(r'<li id="service-([a-z0-9_]+)"', response.content.decode())


# The person's preferences ----------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, services):
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert reverse("identity:login") in response["Location"]


@pytest.mark.sdet("UTI-UTL-PER-00", "SOC-POR-PPO-04")
@pytest.mark.parametrize("who", ["pupil", "guardian", "teacher", "head", "outsider"])
def test_every_profile_has_the_preferences_page_listing_their_services_only(
    client, cast, services, who
):
    client.force_login(getattr(cast, who))
    response = client.get(PREFERENCES)
    assert response.status_code == 200
    listed = shown_codes(response)
    assert "test_news" in listed
    assert ("test_teacher_tool" in listed) == (who in {"teacher", "outsider"})
    page = response.content.decode()
    for fieldset in ('id="services"', 'id="theme"', 'id="aids"'):
        assert f"<fieldset {fieldset}" in page


@pytest.mark.sdet("SOC-POR-PPO-04", "SOC-POR-PPO-07", "UTI-UTL-PER-02")
def test_a_parent_hides_a_module_and_chooses_a_theme_on_the_page(client, cast, services):
    client.force_login(cast.guardian)
    listed = shown_codes(client.get(PREFERENCES))
    data = form_of(listed, shown=[code for code in listed if code != "test_news"], theme="FOREST")
    response = client.post(PREFERENCES, data)
    assert response.status_code == 302
    preference = Preference.objects.get(person=cast.guardian)
    assert preference.hidden_services == ["test_news"]
    assert preference.theme == Theme.FOREST
    assert "theme-forest" in html_classes(client.get(PREFERENCES))


@pytest.mark.sdet("SOC-POR-PPO-04")
def test_a_parent_cannot_add_a_teacher_service_by_forging_the_form(client, cast, services):
    client.force_login(cast.guardian)
    listed = shown_codes(client.get(PREFERENCES))

    ticked = client.post(PREFERENCES, form_of([*listed, "test_teacher_tool"]))
    ordered = client.post(
        PREFERENCES, form_of(listed, order=" ".join(["test_teacher_tool", *listed]))
    )

    assert ticked.status_code == 422
    assert ordered.status_code == 422
    assert 'id="preference-errors"' in ordered.content.decode()
    assert "test_teacher_tool" not in shown_codes(ordered)
    assert not Preference.objects.filter(person=cast.guardian).exists()


@pytest.mark.sdet("SOC-POR-PPO-07", "UTI-UTL-PER-02")
def test_up_and_down_buttons_reorder_services_without_a_mouse(client, cast, services):
    client.force_login(cast.teacher)
    listed = shown_codes(client.get(PREFERENCES))
    last = listed[-1]

    response = client.post(PREFERENCES, form_of(listed, move=f"up:{last}"))

    assert response.status_code == 302
    assert response["Location"] == f"{PREFERENCES}?moved=up:{last}"
    expected = [*listed[:-2], last, listed[-2]]
    assert Preference.objects.get(person=cast.teacher).service_order == expected
    page = client.get(response["Location"])
    assert shown_codes(page) == expected
    # The focus comes back to the button that was pressed.
    assert re.search(
        rf'<button type="submit" name="move" value="up:{last}"[^>]* autofocus>',
        page.content.decode(),
    )


@pytest.mark.sdet("SOC-POR-PPO-07")
def test_fields_the_school_forbids_ignore_a_forged_post(client, cast, services):
    Layout.objects.create(school=cast.school, allow_personal_theme=False, theme=Theme.SLATE)
    client.force_login(cast.pupil)
    page = client.get(PREFERENCES)
    assert 'data-limit="theme"' in page.content.decode()
    response = client.post(PREFERENCES, form_of(shown_codes(page), theme="SUNSET"))
    assert response.status_code == 302
    assert Preference.objects.get(person=cast.pupil).theme == ""
    assert "theme-slate" in html_classes(client.get(PREFERENCES))


@pytest.mark.sdet("UTI-UTL-PER-02", "SOC-POR-PPO-07")
def test_presentation_aids_follow_the_person_to_another_device(client, cast, services):
    client.force_login(cast.pupil)
    listed = shown_codes(client.get(PREFERENCES))
    client.post(
        PREFERENCES,
        form_of(listed, text_size=str(TextSize.LARGER), high_contrast="on", dyslexia_font="on"),
    )
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile")
    phone.force_login(cast.pupil)

    classes = html_classes(phone.get(PREFERENCES))

    assert {"aid-text-150", "aid-contrast", "aid-dyslexia"} <= classes
    assert phone.session.session_key != client.session.session_key


@pytest.mark.parametrize("move", ["sideways:test_news", "up:not_listed", "up:BAD CODE"])
def test_a_forged_move_is_refused(client, cast, services, move):
    client.force_login(cast.pupil)
    listed = shown_codes(client.get(PREFERENCES))
    assert client.post(PREFERENCES, form_of(listed, move=move)).status_code == 422
    assert not Preference.objects.filter(person=cast.pupil).exists()


# Layout and public page: the permission matrix -------------------------------------------------


def layout_url(cast, query=""):
    return reverse("portal:layout", args=[cast.school.pk]) + query


def page_url(cast):
    return reverse("portal:school-page-edit", args=[cast.school.pk])


@pytest.mark.parametrize("url", [layout_url, page_url])
def test_layout_and_public_page_matrix(client, cast, services, url):
    assert client.get(url(cast)).status_code == 302
    for who, status in (("outsider", 404), ("teacher", 403), ("pupil", 403), ("head", 200)):
        client.force_login(getattr(cast, who))
        assert client.get(url(cast)).status_code == status, who


def test_an_operator_sets_any_schools_layout_and_a_level_is_one_of_four(client, cast, services):
    operator = new_person(is_staff=True)
    client.force_login(operator)
    assert client.get(PREFERENCES).status_code == 200
    assert client.get(layout_url(cast)).status_code == 200
    both = f"?profile=ENS&class={cast.school_class.pk}"
    assert client.get(layout_url(cast, both)).status_code == 404
    assert client.get(layout_url(cast, "?profile=XYZ")).status_code == 404


@pytest.mark.sdet("SOC-POR-PPO-05", "SOC-POR-PPO-02")
def test_the_head_sets_the_guardians_layout_from_the_page(client, cast, services):
    client.force_login(cast.head)
    url = layout_url(cast, "?profile=TUT")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "hidden": ["support"],
            "locked": ["test_news"],
            "theme": "SUNSET",
            "allow_personal_theme": "on",
            "message": "Réunion jeudi",
            "position_test_news": "1",
        },
    )
    assert response.status_code == 302
    row = Layout.objects.get(school=cast.school, profile="TUT")
    assert row.hidden_services == ["support"]
    assert row.locked_services == ["test_news"]
    assert row.service_order == ["test_news"]
    assert (row.theme, row.allow_personal_theme, row.allow_personal_hiding) == (
        "SUNSET",
        True,
        False,
    )
    page = client.get(url).content.decode()
    assert re.search(r'name="position_test_news" value="1"', page)


@pytest.mark.sdet("SOC-POR-PPO-06", "UTI-UTL-PER-01")
def test_a_head_teacher_sets_their_class_within_the_schools_limits(client, cast, services):
    HeadTeacher.objects.create(teacher=cast.teacher, school_class=cast.school_class)
    Layout.objects.create(school=cast.school, locked_services=["test_news"])
    client.force_login(cast.teacher)
    url = layout_url(cast, f"?class={cast.school_class.pk}")
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-limit="locked"' in page.content.decode()

    refused = client.post(url, {"hidden": ["test_news"], "theme": ""})
    saved = client.post(url, {"hidden": ["support"], "message": "Sortie", "theme": ""})

    assert refused.status_code == 422
    assert saved.status_code == 302
    assert Layout.objects.get(school_class=cast.school_class).hidden_services == ["support"]
    other = new_class(school=cast.school)
    assert client.get(layout_url(cast, f"?class={other.pk}")).status_code == 403
    foreign = new_class(school=cast.other_school)
    assert client.get(layout_url(cast, f"?class={foreign.pk}")).status_code == 404


def test_the_head_publishes_the_schools_public_page(client, cast, services):
    client.force_login(cast.head)
    response = client.post(
        page_url(cast), {"title": "Collège X", "body": "Bienvenue", "is_published": "on"}
    )
    assert response.status_code == 302
    assert SchoolPage.objects.get(school=cast.school).is_published
    assert client.post(page_url(cast), {"title": ""}).status_code == 422


# The API ---------------------------------------------------------------------------------------


def test_api_needs_a_signed_in_person(client, services):
    assert client.get(API).status_code == 401


@pytest.mark.sdet("SOC-POR-PPO-04", "UTI-UTL-PER-02")
def test_api_reads_and_replaces_the_preferences(client, cast, services):
    client.force_login(cast.pupil)
    body = client.get(API).json()
    assert "test_news" in body["services"]
    assert body["html_classes"] == ""

    response = client.put(
        API,
        {"hidden": ["test_news"], "text_size": 125, "high_contrast": True},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["html_classes"] == "aid-text-125 aid-contrast"
    other_device = Client()
    other_device.force_login(cast.pupil)
    assert other_device.get(API).json()["hidden"] == ["test_news"]


@pytest.mark.sdet("SOC-POR-PPO-04")
def test_api_refuses_a_service_the_parent_is_not_entitled_to(client, cast, services):
    client.force_login(cast.guardian)
    response = client.put(API, {"order": ["test_teacher_tool"]}, content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid"
    assert not Preference.objects.filter(person=cast.guardian).exists()


def test_the_preferences_page_costs_the_same_queries_however_many_layouts_and_classes(
    client, cast, services
):
    client.force_login(cast.teacher)
    client.get(PREFERENCES)
    with CaptureQueriesContext(connection) as few:
        client.get(PREFERENCES)
    for number in range(4):
        school_class = new_class(school=cast.school)
        group = new_group(school=cast.school)
        HeadTeacher.objects.create(teacher=cast.teacher, school_class=school_class)
        Enrolment.objects.create(pupil=cast.pupil, teaching_group=group)
        Layout.objects.create(school=cast.school, school_class=school_class, message=str(number))
    Layout.objects.create(school=cast.school, profile="ENS", hidden_services=["support"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(PREFERENCES)
    assert response.content.decode().count("?class=") == 4
    assert len(many.captured_queries) == len(few.captured_queries)
