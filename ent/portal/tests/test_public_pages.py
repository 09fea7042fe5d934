"""Public pages (SDET §10.2.2.2): schools' pages, the personal-data notice, the accessibility
statement; and nothing else for an anonymous visitor (scenario 12)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ent.portal.models import SchoolPage
from ent.rights.tests.factories import new_school


@pytest.fixture
def pages(cast):
    published = SchoolPage.objects.create(
        school=cast.school,
        title="Bienvenue au collège X",
        body="Portes ouvertes samedi.\nInscriptions <b>en mairie</b>.",
        is_published=True,
    )
    draft = SchoolPage.objects.create(
        school=cast.other_school, title="Brouillon Y", body="Pas encore prêt.", is_published=False
    )
    return published, draft


def test_an_anonymous_visitor_lists_the_published_schools_pages(client, cast, pages):
    response = client.get(reverse("portal:schools"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{reverse("portal:school-page", args=[cast.school.uai])}"' in page
    assert cast.other_school.uai not in page


def test_the_schools_list_costs_one_query_whatever_the_number_of_schools(
    client, cast, pages, django_assert_num_queries
):
    with django_assert_num_queries(1):
        client.get(reverse("portal:schools"))
    for _ in range(5):
        SchoolPage.objects.create(school=new_school(), title="Page", is_published=True)
    with django_assert_num_queries(1):
        page = client.get(reverse("portal:schools")).content.decode()
    assert page.count("data-uai=") == 6


def test_a_published_page_is_shown_as_escaped_text_with_its_line_breaks(client, cast, pages):
    response = client.get(reverse("portal:school-page", args=[cast.school.uai]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Bienvenue au collège X</h1>" in page
    assert "Portes ouvertes samedi.<br>Inscriptions &lt;b&gt;en mairie&lt;/b&gt;." in page


def test_an_unpublished_unknown_or_closed_schools_page_is_not_found(client, cast, pages):
    assert client.get(reverse("portal:school-page", args=[cast.other_school.uai])).status_code == (
        404
    )
    assert client.get(reverse("portal:school-page", args=["9999999Z"])).status_code == 404
    # Not a UAI at all (PostgreSQL would refuse the NUL in a query): not found either.
    assert client.get("/etablissements/0000001B%00/").status_code == 404
    cast.school.is_active = False
    cast.school.save(update_fields=["is_active"])
    assert client.get(reverse("portal:school-page", args=[cast.school.uai])).status_code == 404
    assert cast.school.uai not in client.get(reverse("portal:schools")).content.decode()


@pytest.mark.sdet("SOC-POR-PPO-08")
def test_the_personal_data_notice_names_controller_purposes_retention_and_rights(
    client, db, settings, django_assert_num_queries
):
    settings.ENT_DPO_EMAIL = "dpd@ac-exemple.fr"
    settings.ENT_DATA_CONTROLLER = "Rectorat de l'académie d'Exemple"
    settings.ENT_PURGE_AFTER_DAYS = 90
    with django_assert_num_queries(0):
        response = client.get(reverse("portal:privacy"))
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("controller", "purposes", "legal-basis", "recipients", "retention", "rights"):
        assert f'id="{section}"' in page
    assert "Rectorat de l&#x27;académie d&#x27;Exemple" in page
    assert 'href="mailto:dpd@ac-exemple.fr"' in page
    assert "https://www.cnil.fr/" in page
    assert ">90 " in page or " 90 " in page
    assert " 365 " in page


def test_the_accessibility_statement_gives_status_contact_and_recourse(client, db):
    response = client.get(reverse("portal:accessibility"))
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("status", "compliance", "contact", "recourse", "date"):
        assert f'id="{section}"' in page
    assert "defenseurdesdroits.fr" in page


def test_the_public_pages_link_to_each_other_in_the_footer(client, db):
    page = client.get(reverse("portal:accessibility")).content.decode()
    for name in ("portal:privacy", "portal:accessibility", "portal:schools"):
        assert f'href="{reverse(name)}"' in page


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/go/addressbook/",
        "/moi/",
        "/preferences/",
        "/annuaire/",
        "/notifications/",
        "/gestion/",
    ],
)
def test_an_anonymous_visitor_reaches_nothing_else_than_the_public_pages(client, db, url):
    """Scenario 12."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_an_anonymous_visitor_gets_401_from_the_api(client, db):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
