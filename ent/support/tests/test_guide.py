"""The online guide per profile (UTI-UTL-AID-00, -02) and the help of each page (-01)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from ent.directory.models import Guardianship, Profile
from ent.support import guide

from .factories import operator, person_in

pytestmark = pytest.mark.django_db

TEMPLATES = Path(guide.__file__).parent / "templates" / "support"


def _guides(response) -> list[str]:
    return re.findall(r'data-guide="([a-z-]+)"', response.content.decode())


@pytest.mark.sdet("UTI-UTL-AID-00")
@pytest.mark.sdet("UTI-UTL-AID-02")
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("pupil", ["pupil"]),
        ("guardian", ["guardian"]),
        ("teacher", ["teacher"]),
        ("head", ["staff"]),
        ("school_admin", ["staff"]),
    ],
)
def test_each_profile_sees_its_own_guide(client, cast, grants, who, expected):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("support:guide"))
    assert response.status_code == 200
    assert _guides(response) == expected


@pytest.mark.sdet("UTI-UTL-AID-02")
def test_a_guest_and_pupil_life_staff_see_their_guides(client, cast, grants):
    client.force_login(person_in(cast.school, Profile.GST))
    assert _guides(client.get(reverse("support:guide"))) == ["guest"]
    client.force_login(person_in(cast.school, Profile.EVS))
    assert _guides(client.get(reverse("support:guide"))) == ["staff"]


@pytest.mark.sdet("UTI-UTL-AID-02")
def test_a_person_with_several_profiles_sees_each_guide(client, cast, grants):
    # Mme Dupont teaches in X and is the guardian of a pupil in Y.
    child = person_in(cast.other_school, Profile.ELV)
    Guardianship.objects.create(
        pupil=child, guardian=cast.teacher, guardian_key="k-dupont", has_legal_authority=True
    )
    client.force_login(cast.teacher)
    assert _guides(client.get(reverse("support:guide"))) == ["guardian", "teacher"]


@pytest.mark.sdet("UTI-UTL-AID-00")
def test_an_operator_without_a_school_still_gets_the_guide(client, db):
    client.force_login(operator())
    response = client.get(reverse("support:guide"))
    assert response.status_code == 200
    assert _guides(response) == []
    assert 'id="link-level-two"' in response.content.decode()


@pytest.mark.sdet("UTI-UTL-AID-02")
def test_every_topic_is_reachable_from_the_index_and_renders(client, cast, grants):
    client.force_login(cast.pupil)
    index = client.get(reverse("support:guide")).content.decode()
    assert 'id="guide-toc"' in index
    for slug in guide.ALL_TOPICS:
        url = reverse("support:topic", args=[slug])
        assert f'href="{url}"' in index, slug
        response = client.get(url)
        assert response.status_code == 200
        assert f'data-guide="{slug}"' in response.content.decode()


def test_an_unknown_topic_is_404(client, cast, grants):
    client.force_login(cast.pupil)
    assert client.get("/aide/nope/").status_code == 404


def _fragments(kind: str, language: str) -> set[Path]:
    folder = TEMPLATES / kind / language
    return {path.relative_to(folder) for path in folder.rglob("*.html")}


@pytest.mark.sdet("UTI-UTL-AID-02")
def test_every_fragment_exists_in_french_and_in_english():
    assert _fragments("guide", "fr") == _fragments("guide", "en")
    assert _fragments("help", "fr") == _fragments("help", "en")
    assert {Path(f"{slug}.html") for slug in guide.ALL_TOPICS} == _fragments("guide", "fr")


def test_the_guide_follows_the_active_language(client, cast, grants):
    client.force_login(cast.pupil)
    url = reverse("support:topic", args=["sign-in"])
    french = client.get(url).content.decode()
    assert "Première connexion" in french
    client.cookies["django_language"] = "en"
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Signing in for the first time" in english


def test_a_language_without_its_fragment_falls_back_to_french(settings):
    with translation.override("de"):
        assert guide.topic_template(guide.ALL_TOPICS["home"]) == "support/guide/fr/home.html"


@pytest.mark.sdet("UTI-UTL-AID-01")
@pytest.mark.parametrize(
    "view_name",
    [
        "portal:home",
        "portal:preferences",
        "search:results",
        "addressbook:index",
        "support:guide",
        "support:ticket-new",
        "support:ticket-detail",
        "support:queue",
        "identity:accounts",
        "backoffice:home",
    ],
)
def test_a_page_with_its_own_help_shows_it(client, cast, grants, view_name):
    client.force_login(cast.pupil)
    response = client.get(reverse("support:page-help", args=[view_name]))
    assert response.status_code == 200
    assert f'data-help="{view_name}"' in response.content.decode()


@pytest.mark.sdet("UTI-UTL-AID-01")
def test_a_page_without_help_shows_the_closest_topic_of_its_app(client, cast, grants):
    client.force_login(cast.pupil)
    response = client.get(reverse("support:page-help", args=["identity:password-reset"]))
    assert response.status_code == 200
    assert 'data-help-fallback="sign-in"' in response.content.decode()
    response = client.get(reverse("support:page-help", args=["portal:layout"]))
    assert 'data-guide="home"' in response.content.decode()


@pytest.mark.sdet("UTI-UTL-AID-01")
@pytest.mark.parametrize(
    "view_name", ["unknown_app:page", "garbage", "Portal:Home", "a:b:c", "portal:home.html"]
)
def test_an_unknown_or_malformed_page_name_leads_to_the_index(client, cast, grants, view_name):
    client.force_login(cast.pupil)
    response = client.get(f"/aide/page/{view_name}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("support:guide")


def test_the_guide_needs_a_sign_in(client, db):
    for url in (reverse("support:guide"), reverse("support:topic", args=["home"])):
        response = client.get(url)
        assert response.status_code == 302
        assert "/auth/login" in response["Location"]


def test_every_help_fragment_renders_in_both_languages(client, cast, grants):
    client.force_login(cast.pupil)
    for path in (TEMPLATES / "help" / "fr").rglob("*.html"):
        app, name = path.parent.name, path.stem
        for language in ("fr", "en"):
            client.cookies["django_language"] = language
            response = client.get(reverse("support:page-help", args=[f"{app}:{name}"]))
            assert response.status_code == 200, (app, name)


def test_the_index_leads_each_person_to_their_support_desks(client, cast, grants, officer):
    client.force_login(cast.head)
    page = client.get(reverse("support:guide")).content.decode()
    assert f'data-queue="{cast.school.pk}"' in page
    assert 'id="link-ticket-new"' in page
    assert 'id="link-oversight"' not in page
    client.force_login(cast.pupil)
    page = client.get(reverse("support:guide")).content.decode()
    assert "data-queue=" not in page
    assert 'id="link-ticket-list"' in page
    client.force_login(officer)
    assert 'id="link-oversight"' in client.get(reverse("support:guide")).content.decode()
