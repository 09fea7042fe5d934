"""The signed-in home page: one page per profile, built from the central authorisation."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.directory.models import Enrolment, Membership, Profile, Source, TeachingAssignment
from ent.notifications.models import Notification
from ent.portal.models import Layout
from ent.rights import registry
from ent.rights.actions import grant_service, install_default_grants, revoke_grant
from ent.rights.tests.factories import (
    build_world,
    guardian_of,
    new_class,
    new_school,
    person_in,
    pupil_in,
)

from .home_factories import ONLY, catalogue, extra_service, services_on

__all__ = ["catalogue"]

HOME = reverse("portal:home")


def sections(page: str) -> set[str]:
    return set(re.findall(r'data-section="([^"]+)"', page))


def test_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.sdet("SOC-POR-PPO-04", "SOC-POR-PRE-01")
def test_pupil_parent_teacher_and_head_each_see_their_own_home(client, cast, catalogue):
    build_world(cast)
    pages = {}
    for person in (cast.pupil, cast.guardian, cast.teacher, cast.head):
        client.force_login(person)
        response = client.get(HOME)
        assert response.status_code == 200
        pages[person.login] = response.content.decode()
    pupil, parent, teacher, head = pages.values()
    assert len(set(pages.values())) == 4

    assert {"pupil", "services", "privacy"} <= sections(pupil)
    assert not {"guardian", "teacher", "admin"} & sections(pupil)
    assert "3eA" in pupil
    assert set(services_on(pupil)) >= {"home_news", ONLY[Profile.ELV]}
    assert not {ONLY[Profile.TUT], ONLY[Profile.ENS], ONLY[Profile.DIR]} & set(services_on(pupil))

    assert "guardian" in sections(parent)
    assert not {"pupil", "teacher", "admin"} & sections(parent)
    assert re.search(r"Léa Petit</strong>[^<]*3eA \u2013 Collège X", parent)
    assert ONLY[Profile.TUT] in services_on(parent)
    assert ONLY[Profile.ELV] not in services_on(parent)

    # Mme Dupont teaches in X and is Martin's mother in Y: both sections, X's services.
    assert {"teacher", "guardian"} <= sections(teacher)
    assert "admin" not in sections(teacher)
    assert "3eA" in teacher
    assert "4eB" in teacher
    assert "Martin" in teacher
    assert ONLY[Profile.ENS] in services_on(teacher)

    assert "admin" in sections(head)
    assert 'data-shortcut="accounts"' in head
    assert 'data-shortcut="backoffice"' in head
    assert ONLY[Profile.DIR] in services_on(head)
    assert not {"pupil", "guardian", "teacher"} & sections(head)


def test_every_launcher_entry_opens_through_the_portal_with_its_stable_code(
    client, cast, catalogue
):
    client.force_login(cast.pupil)
    page = client.get(HOME).content.decode()
    entries = re.findall(r'<a class="launcher-entry" data-service="([^"]+)" href="([^"]+)"', page)
    assert entries
    for code, href in entries:
        assert href == reverse("portal:launch", args=[code])
    # The school's administration has no page of its own on the launcher.
    client.force_login(cast.head)
    assert "school_admin" not in services_on(client.get(HOME).content.decode())


@pytest.mark.sdet("SOC-POR-PPO-01", "SOC-POR-PPO-08")
def test_home_carries_the_academy_logo_and_the_personal_data_notice(client, cast, settings):
    settings.ENT_ACADEMY = "Normandie"
    client.force_login(cast.pupil)
    page = client.get(HOME).content.decode()
    logo = re.search(r"<img id=\"academy-logo\" src=\"([^\"]+)\" alt=\"([^\"]+)\"", page)
    assert logo is not None
    assert logo.group(1).endswith("core/academie.svg")
    assert "Normandie" in logo.group(2)
    notice = re.search(r'<p id="privacy-notice">(.*?)</p>', page, re.S)
    assert notice is not None
    assert f'href="{reverse("portal:privacy")}"' in notice.group(1)
    settings.ENT_ACADEMY_LOGO = "https://cdn.example.fr/logo-normandie.svg"
    page = client.get(HOME).content.decode()
    assert 'src="https://cdn.example.fr/logo-normandie.svg"' in page


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-POR-PPO-04")
def test_a_grant_or_a_revocation_shows_on_the_next_page_without_signing_in_again(
    client, cast, catalogue
):
    client.force_login(cast.pupil)
    assert ONLY[Profile.ENS] not in services_on(client.get(HOME).content.decode())
    grant = grant_service(
        actor=None, service=ONLY[Profile.ENS], person=cast.pupil, school=cast.school
    )
    assert ONLY[Profile.ENS] in services_on(client.get(HOME).content.decode())
    revoke_grant(actor=None, grant=grant)
    assert ONLY[Profile.ENS] not in services_on(client.get(HOME).content.decode())


@pytest.mark.sdet("SOC-POR-PPO-02")
def test_the_messages_of_the_layouts_above_the_person_show_on_their_home(client, cast):
    Layout.objects.create(message="Réunion parents-professeurs jeudi")
    client.force_login(cast.guardian)
    page = client.get(HOME).content.decode()
    assert "messages" in sections(page)
    assert "Réunion parents-professeurs jeudi" in page


def test_the_notifications_widget_shows_the_unread_count_and_the_latest(client, cast):
    for title in ("Devoir de français", "Sortie au musée"):
        Notification.objects.create(
            recipient=cast.pupil, kind="test", title=title, batch=uuid.uuid4()
        )
    Notification.objects.create(
        recipient=cast.teacher, kind="test", title="Conseil de classe", batch=uuid.uuid4()
    )
    client.force_login(cast.pupil)
    page = client.get(HOME).content.decode()
    assert "Devoir de français" in page
    assert "Sortie au musée" in page
    assert "Conseil de classe" not in page
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S)
    assert nav is not None
    assert '<span class="badge">2<' in nav.group(0)


def test_a_person_in_one_school_sees_no_school_switch(client, cast):
    client.force_login(cast.pupil)
    assert 'id="context-school"' not in client.get(HOME).content.decode()


@pytest.mark.sdet("SOC-POR-PRE-01")
def test_a_teacher_of_two_ecoles_sees_both_schools_classes_and_switches_the_launcher(
    client, db, catalogue
):
    """Scenario 16: one session, classes of both écoles, the launcher follows the context."""
    school_z = new_school(name="École Z")
    school_w = new_school(name="École W")
    teacher = person_in(school_z, Profile.ENS)
    Membership.objects.create(
        person=teacher, school=school_w, profile=Profile.ENS, source=Source.MANUAL
    )
    TeachingAssignment.objects.create(
        teacher=teacher, school_class=new_class(school=school_z, label="CP Z"), subject_code="FR"
    )
    TeachingAssignment.objects.create(
        teacher=teacher, school_class=new_class(school=school_w, label="CM1 W"), subject_code="FR"
    )
    grant_service(actor=None, service=ONLY[Profile.DIR], person=teacher, school=school_w)
    client.force_login(teacher)
    page = client.get(HOME).content.decode()
    assert "CP Z" in page
    assert "CM1 W" in page
    assert 'id="context-school"' in page
    # The first school by name (W) is the default; Z's launcher lacks W's grant.
    assert ONLY[Profile.DIR] in services_on(page)
    response = client.post(reverse("portal:context"), {"school": school_z.pk})
    assert response.status_code == 302
    page = client.get(HOME).content.decode()
    assert ONLY[Profile.DIR] not in services_on(page)
    assert "CP Z" in page
    assert "CM1 W" in page
    assert f'<option value="{school_z.pk}" selected>' in page


def count_home_queries(client, person) -> int:
    client.force_login(person)
    client.get(HOME)  # the first page of a session also writes the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def grow(person, profile: str, number: int) -> None:
    """Give `person` more schools, grants and services of `profile`, and more divisions."""
    for index in range(number):
        school = new_school()
        Membership.objects.create(
            person=person, school=school, profile=profile, source=Source.MANUAL
        )
        school_class = new_class(school=school)
        grant_service(actor=None, service="home_news", person=person, school=school)
        extra_service(index, profile=profile)
        if profile == Profile.ELV:
            Enrolment.objects.create(pupil=person, school_class=school_class)
        if profile == Profile.ENS:
            TeachingAssignment.objects.create(
                teacher=person, school_class=school_class, subject_code="HG"
            )
        if profile == Profile.TUT:
            guardian_of(pupil_in(school_class), person)
    install_default_grants(actor=None)


@pytest.mark.parametrize("who", ["pupil", "guardian", "teacher", "head"])
def test_the_home_costs_the_same_queries_whatever_the_memberships_grants_and_services(
    client, cast, catalogue, who
):
    build_world(cast)
    person = getattr(cast, who)
    profile = {"pupil": "ELV", "guardian": "TUT", "teacher": "ENS", "head": "DIR"}[who]
    few = count_home_queries(client, person)
    # One more than before issue 6: the alert banner and the news widget share one query.
    assert few <= 17
    try:
        grow(person, profile, 6)
        many = count_home_queries(client, person)
        page = client.get(HOME).content.decode()
        assert "home_extra_5" in services_on(page)
    finally:
        for index in range(6):
            registry.unregister(f"home_extra_{index}")
    assert many == few
