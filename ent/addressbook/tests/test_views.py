"""The white pages and address book pages: the permission matrix, then each page's behaviour."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.addressbook import queries
from ent.addressbook.models import Contact, Presentation
from ent.directory.models import Enrolment, Profile
from ent.rights.actions import revoke_grant, set_detail_visibility
from ent.rights.models import DetailAudience, DetailVisibility, ServiceGrant
from ent.rights.testing import ungated_views
from ent.rights.tests.factories import new_group, new_school, pupil_in

from .factories import contact_of, populate, vcard

pytestmark = pytest.mark.django_db


def revoke(profile: str) -> None:
    for grant in ServiceGrant.objects.filter(service="addressbook", profile=profile):
        revoke_grant(actor=None, grant=grant)


def people_in(response) -> set[str]:
    content = response.content.decode()
    return {part.split('"', 1)[0] for part in content.split('data-person="')[1:]}


def pages(world) -> dict[str, str]:
    cast = world.cast
    lea = cast.pupil.uuid
    return {
        "index": reverse("addressbook:index"),
        "person": reverse("addressbook:person", args=[lea]),
        "person-vcard": reverse("addressbook:person-vcard", args=[lea]),
        "results-vcard": reverse("addressbook:results-vcard"),
        "contacts": reverse("addressbook:contacts"),
        "contact-add": reverse("addressbook:contact-add"),
        "contacts-vcard": reverse("addressbook:contacts-vcard"),
        "contacts-ldif": reverse("addressbook:contacts-ldif"),
        "groups": reverse("addressbook:groups"),
        "group-book": reverse("addressbook:group-book", args=["class", cast.school_class.pk]),
    }


# ---------------------------------------------------------------------------------------------
# The matrix


@pytest.mark.sdet("UTI-IDO-PBL-00", "UTI-IDO-CAD-00")
def test_every_page_sends_strangers_to_the_login(client, world):
    cast = world.cast
    urls = [
        *pages(world).values(),
        reverse("addressbook:my-details"),
        reverse("addressbook:school-ldif", args=[cast.school.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("identity:login")), url


@pytest.mark.sdet("UTI-IDO-PBL-00", "UTI-IDO-CAD-00")
def test_a_person_with_the_service_opens_every_page(client, world):
    client.force_login(world.cast.teacher)
    for name, url in pages(world).items():
        assert client.get(url).status_code == 200, name
    assert client.get(reverse("addressbook:my-details")).status_code == 200


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_without_the_grant_every_page_but_ones_own_privacy_is_forbidden(client, world):
    revoke(Profile.ELV)
    client.force_login(world.cast.pupil)
    for name, url in pages(world).items():
        assert client.get(url).status_code == 403, name
    post = client.post(reverse("addressbook:person-add", args=[world.cast.teacher.uuid]))
    assert post.status_code == 403
    assert client.get(reverse("addressbook:my-details")).status_code == 200


@pytest.mark.sdet("UTI-IDO-PBL-01", "SOC-SEC-AUT-02")
def test_an_outsider_gets_404_for_people_classes_schools_and_entries_not_theirs(client, world):
    cast = world.cast
    contact = contact_of(cast.teacher)
    client.force_login(cast.outsider)
    lea = cast.pupil.uuid
    for url in (
        reverse("addressbook:person", args=[lea]),
        reverse("addressbook:person-vcard", args=[lea]),
        reverse("addressbook:group-book", args=["class", cast.school_class.pk]),
        reverse("addressbook:group-book", args=["team", cast.school_class.pk]),
        reverse("addressbook:school-ldif", args=[cast.school.pk]),
        reverse("addressbook:contact-edit", args=[contact.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("addressbook:person-add", args=[lea]),
        reverse("addressbook:contact-delete", args=[contact.pk]),
        reverse("addressbook:group-book-add", args=["class", cast.school_class.pk]),
    ):
        assert client.post(url).status_code == 404, url
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_every_view_is_public_gated_or_exempt(db):
    assert [route for route in ungated_views() if route.startswith("annuaire/")] == []


# ---------------------------------------------------------------------------------------------
# White pages


@pytest.mark.sdet("UTI-IDO-PBL-01", "SOC-SEC-AUT-02")
def test_the_index_lists_what_the_rules_let_each_person_see(client, world):
    cast = world.cast
    client.force_login(cast.pupil)
    seen = people_in(client.get(reverse("addressbook:index")))
    assert {str(cast.teacher.uuid), str(cast.guardian.uuid), str(world.cpe.uuid)} <= seen
    assert str(world.tom.uuid) not in seen
    assert str(cast.outsider.uuid) not in seen
    client.force_login(cast.teacher)
    response = client.get(reverse("addressbook:index"))
    assert str(world.tom.uuid) in people_in(response)
    assert "5eC" in response.content.decode()  # a pupil's class, for those working there


@pytest.mark.sdet("UTI-IDO-PBL-06")
def test_the_index_searches_by_name_class_and_profile(client, world):
    cast = world.cast
    client.force_login(world.cpe)
    url = reverse("addressbook:index")
    assert people_in(client.get(url, {"name": "dupont"})) == {str(cast.teacher.uuid)}
    by_class = people_in(client.get(url, {"school_class": cast.school_class.pk}))
    assert by_class == {str(cast.pupil.uuid), str(cast.teacher.uuid)}
    assert people_in(client.get(url, {"profile": "DIR"})) == {str(cast.head.uuid)}
    # A class outside one's scope is no valid choice: nothing is listed.
    client.force_login(cast.pupil)
    response = client.get(url, {"school_class": world.class_5c.pk})
    assert response.status_code == 200
    assert people_in(response) == set()


def count_queries(client, url: str, data: dict[str, object] | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, data or {}).status_code == 200
    return len(context)


@pytest.mark.sdet("UTI-IDO-PBL-01")
def test_the_result_page_costs_the_same_queries_whatever_the_people_and_schools(
    client, world, django_assert_num_queries
):
    cast = world.cast
    client.force_login(cast.teacher)
    url = reverse("addressbook:index")
    client.get(url)
    small = count_queries(client, url)
    # 2 session, 5 rights, 1 schools, 3 choices, 3 rules, 1 count, 1 page, 3 prefetches;
    # the rest is the frame of every page (preferences, notifications).
    assert small <= 25
    populate(cast.school, teacher=cast.teacher, pupils=20)
    populate(new_school(), teacher=cast.teacher, pupils=20)
    populate(new_school(), teacher=cast.teacher, pupils=5)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200
    assert count_queries(client, url, {"name": "Nom", "profile": "ELV"}) == small


def test_the_index_pages_through_many_people(client, world):
    cast = world.cast
    populate(cast.school, teacher=cast.teacher, pupils=queries.PAGE_SIZE + 5)
    client.force_login(cast.teacher)
    first = people_in(client.get(reverse("addressbook:index")))
    second = people_in(client.get(reverse("addressbook:index"), {"page": 2}))
    assert len(first) == queries.PAGE_SIZE
    assert second
    assert first.isdisjoint(second)


@pytest.mark.sdet("UTI-IDO-CAD-02", "UTI-IDO-PBL-04")
def test_the_person_card_shows_only_the_details_shared_with_the_viewer(client, world):
    cast = world.cast
    cast.pupil.email = "lea@example.org"
    cast.pupil.save()
    cast.teacher.email = "agnes@example.org"
    cast.teacher.phone_mobile = "06 12 34 56 78"
    cast.teacher.save()
    Presentation.objects.create(person=cast.teacher, about="Salle 12")
    lea_card = reverse("addressbook:person", args=[cast.pupil.uuid])
    client.force_login(cast.teacher)
    assert "lea@example.org" not in client.get(lea_card).content.decode()  # a pupil's default
    set_detail_visibility(actor=cast.pupil, field="email", audience=DetailAudience.STAFF)
    assert "lea@example.org" in client.get(lea_card).content.decode()
    client.force_login(cast.guardian)
    assert "lea@example.org" not in client.get(lea_card).content.decode()  # staff only
    client.force_login(cast.pupil)
    page = client.get(reverse("addressbook:person", args=[cast.teacher.uuid])).content.decode()
    assert "agnes@example.org" in page
    assert "06 12 34 56 78" not in page
    assert "Salle 12" in page
    assert 'id="add-to-book"' in page


@pytest.mark.sdet("UTI-IDO-PBL-05", "UTI-IDO-CAD-03")
def test_adding_a_person_from_their_card_keeps_them_in_the_book(client, world):
    cast = world.cast
    client.force_login(cast.pupil)
    response = client.post(reverse("addressbook:person-add", args=[cast.teacher.uuid]))
    assert response.status_code == 302
    assert Contact.objects.get(owner=cast.pupil).person == cast.teacher
    page = client.get(reverse("addressbook:person", args=[cast.teacher.uuid])).content.decode()
    assert 'id="in-book"' in page
    tom = client.post(reverse("addressbook:person-add", args=[world.tom.uuid]))
    assert tom.status_code == 404


@pytest.mark.sdet("UTI-IDO-CAD-04", "UTI-IDO-CAD-02")
def test_a_persons_vcard_holds_only_what_the_viewer_may_see_escaped(client, world):
    cast = world.cast
    cast.teacher.email = "agnes@example.org"
    cast.teacher.phone_work = "01 23; poste 4"
    cast.teacher.phone_home = "01 99 99 99 99"
    cast.teacher.save()
    client.force_login(cast.pupil)
    response = client.get(reverse("addressbook:person-vcard", args=[cast.teacher.uuid]))
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert 'filename="agnes-dupont.vcf"' in response["Content-Disposition"]
    text = response.content.decode()
    assert "FN:Agnès Dupont\r\n" in text
    assert "EMAIL;TYPE=work:agnes@example.org\r\n" in text
    assert 'TEL;TYPE="work,voice":01 23\\; poste 4\r\n' in text
    assert "01 99 99 99 99" not in text
    assert f"UID:urn:uuid:{cast.teacher.uuid}\r\n" in text
    assert "ORG:Collège X\r\n" in text


@pytest.mark.sdet("UTI-IDO-PBL-07", "UTI-IDO-CAD-04")
def test_a_search_exports_as_vcards_within_a_bound(client, world, monkeypatch):
    cast = world.cast
    client.force_login(world.cpe)
    url = reverse("addressbook:results-vcard")
    text = client.get(url, {"profile": "ENS"}).content.decode()
    assert text.count("BEGIN:VCARD") == 1
    assert "FN:Agnès Dupont" in text
    monkeypatch.setattr(queries, "EXPORT_LIMIT", 2)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("addressbook:index") + "?")
    assert client.get(url, {"name": cast.pupil.last_name}).status_code == 200


@pytest.mark.sdet("UTI-IDO-PBL-07")
def test_school_administrators_export_their_school_as_ldif_and_teachers_may_not(client, world):
    cast = world.cast
    url = reverse("addressbook:school-ldif", args=[cast.school.pk])
    client.force_login(cast.school_admin)
    index = client.get(reverse("addressbook:index")).content.decode()
    assert url in index
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-ldif; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("version: 1\n")
    assert f"dn: uid={world.tom.uuid},ou=people,o=0000001B\n" in text
    assert "objectClass: inetOrgPerson" in text
    assert cast.outsider.login not in text
    client.force_login(cast.teacher)
    assert url not in client.get(reverse("addressbook:index")).content.decode()
    assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------------------------
# My details


@pytest.mark.sdet("UTI-IDO-PBL-04", "UTI-IDO-PBL-02")
def test_my_details_sets_each_audience_and_the_presentation(client, world):
    cast = world.cast
    client.force_login(cast.pupil)
    url = reverse("addressbook:my-details")
    page = client.get(url).content.decode()
    assert 'name="audience_email"' in page
    form = {f"audience_{name}": "NOBODY" for name in ("phone_home", "phone_mobile")}
    form |= {f"audience_{name}": "NOBODY" for name in ("phone_work", "address", "birth_date")}
    response = client.post(url, form | {"audience_email": "CONTACTS", "about": "J'aime lire"})
    assert response.status_code == 302
    assert DetailVisibility.objects.get(person=cast.pupil, field="email").audience == "CONTACTS"
    assert Presentation.objects.get(person=cast.pupil).about == "J'aime lire"
    bad = client.post(url, form | {"audience_email": "EVERYONE"})
    assert bad.status_code == 422
    assert DetailVisibility.objects.get(person=cast.pupil, field="email").audience == "CONTACTS"


# ---------------------------------------------------------------------------------------------
# Address book


@pytest.mark.sdet("UTI-IDO-CAD-01")
def test_the_owner_adds_edits_and_removes_entries_through_the_pages(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    add = client.post(
        reverse("addressbook:contact-add"),
        {"first_name": "Jean", "last_name": "Martin", "email": "jean@example.org"},
    )
    assert add.status_code == 302
    contact = Contact.objects.get(owner=cast.teacher)
    assert client.post(reverse("addressbook:contact-add"), {"note": "x"}).status_code == 422
    edit_url = reverse("addressbook:contact-edit", args=[contact.pk])
    assert client.get(edit_url).status_code == 200
    edited = client.post(edit_url, {"last_name": "Martin", "organisation": "Mairie"})
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert (contact.organisation, contact.email) == ("Mairie", "")
    assert client.post(edit_url, {"email": "wrong"}).status_code == 422
    client.force_login(cast.pupil)
    assert client.get(edit_url).status_code == 404
    client.force_login(cast.teacher)
    deleted = client.post(reverse("addressbook:contact-delete", args=[contact.pk]))
    assert deleted.status_code == 302
    assert not Contact.objects.exists()


@pytest.mark.sdet("UTI-IDO-CAD-02", "UTI-IDO-PBL-05")
def test_the_book_shows_directory_people_live_and_hides_them_once_out_of_sight(client, world):
    cast = world.cast
    cast.teacher.email = "agnes@example.org"
    cast.teacher.save()
    contact = Contact.objects.create(owner=cast.pupil, person=cast.teacher)
    client.force_login(cast.pupil)
    page = client.get(reverse("addressbook:contacts")).content.decode()
    assert "agnes@example.org" in page
    set_detail_visibility(actor=cast.teacher, field="email", audience=DetailAudience.NOBODY)
    assert "agnes@example.org" not in client.get(reverse("addressbook:contacts")).content.decode()
    edit = client.get(reverse("addressbook:contact-edit", args=[contact.pk])).content.decode()
    assert 'name="note"' in edit
    assert 'name="email"' not in edit
    cast.teacher.memberships.all().delete()
    cast.teacher.assignments.all().delete()
    cast.teacher.head_of.all().delete()
    page = client.get(reverse("addressbook:contacts")).content.decode()
    assert "data-hidden" in page


@pytest.mark.sdet("UTI-IDO-CAD-01")
def test_the_book_costs_the_same_queries_whatever_its_size(
    client, world, django_assert_num_queries
):
    cast = world.cast
    client.force_login(cast.teacher)
    url = reverse("addressbook:contacts")
    Contact.objects.create(owner=cast.teacher, person=cast.pupil)
    contact_of(cast.teacher)
    client.get(url)
    small = count_queries(client, url)
    for _number in range(15):
        Contact.objects.create(owner=cast.teacher, person=pupil_in(world.class_4b))
        contact_of(cast.teacher)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


@pytest.mark.sdet("UTI-IDO-CAD-05")
def test_importing_through_the_page_takes_all_cards_or_none(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    url = reverse("addressbook:contacts-import")

    def upload(data: bytes):
        return client.post(url, {"file": io.BytesIO(data)}, format="multipart")

    good = io.BytesIO(vcard("FN:Jean Martin\r\nN:Martin;Jean;;;", "FN:Anne Roy"))
    good.name = "contacts.vcf"
    assert client.post(url, {"file": good}).status_code == 302
    assert Contact.objects.filter(owner=cast.teacher).count() == 2
    bad = io.BytesIO(vcard("FN:Paul") + b"BEGIN:VCARD\r\nVERSION:4.0\r\nnonsense\r\nEND:VCARD\r\n")
    bad.name = "bad.vcf"
    response = client.post(url, {"file": bad})
    assert response.status_code == 422
    assert "8" in response.content.decode().split('id="import-form"')[1]  # the faulty line
    assert Contact.objects.filter(owner=cast.teacher).count() == 2
    assert client.post(url, {}).status_code == 422  # no file at all
    big = io.BytesIO(vcard("FN:A") + b" " * (1 << 20))
    big.name = "big.vcf"
    assert client.post(url, {"file": big}).status_code == 422
    assert Contact.objects.filter(owner=cast.teacher).count() == 2


@pytest.mark.sdet("UTI-IDO-CAD-05", "UTI-IDO-CAD-04")
def test_the_book_exports_as_vcard_and_ldif(client, world):
    cast = world.cast
    cast.teacher.email = "agnes@example.org"
    cast.teacher.save()
    Contact.objects.create(owner=cast.pupil, person=cast.teacher, note="Prof principale")
    contact_of(cast.pupil, organisation="Mairie, Lyon", phone_mobile="06 00 00 00 00")
    client.force_login(cast.pupil)
    text = client.get(reverse("addressbook:contacts-vcard")).content.decode()
    assert text.count("BEGIN:VCARD") == 2
    assert "EMAIL;TYPE=work:agnes@example.org" in text
    assert "NOTE:Prof principale" in text
    assert "ORG:Mairie\\, Lyon" in text
    ldif = client.get(reverse("addressbook:contacts-ldif")).content.decode()
    assert f"dn: uid={cast.teacher.uuid},ou=contacts,o=ent" in ldif
    assert "mail: agnes@example.org" in ldif
    assert "mobile: 06 00 00 00 00" in ldif


@pytest.mark.sdet("UTI-IDO-CAD-06")
def test_a_pupil_reads_her_class_book_and_merges_it_into_hers(client, world):
    cast = world.cast
    classmate = pupil_in(cast.school_class)
    client.force_login(cast.pupil)
    groups = client.get(reverse("addressbook:groups")).content.decode()
    book_url = reverse("addressbook:group-book", args=["class", cast.school_class.pk])
    assert book_url in groups
    members = people_in(client.get(book_url))
    assert members == {str(cast.pupil.uuid), str(classmate.uuid), str(cast.teacher.uuid)}
    other = reverse("addressbook:group-book", args=["class", world.class_5c.pk])
    assert client.get(other).status_code == 404
    group = new_group(school=cast.school)
    Enrolment.objects.create(pupil=cast.pupil, teaching_group=group)
    Enrolment.objects.create(pupil=world.tom, teaching_group=group)
    group_url = reverse("addressbook:group-book", args=["group", group.pk])
    assert group_url in client.get(reverse("addressbook:groups")).content.decode()
    assert people_in(client.get(group_url)) == {str(cast.pupil.uuid), str(world.tom.uuid)}
    merge = client.post(reverse("addressbook:group-book-add", args=["class", cast.school_class.pk]))
    assert merge.status_code == 302
    assert set(Contact.objects.filter(owner=cast.pupil).values_list("person", flat=True)) == {
        classmate.pk,
        cast.teacher.pk,
    }
