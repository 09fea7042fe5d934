"""Writes of the address book and of one's own card: each checked, atomic and audited."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from ent.addressbook import actions
from ent.addressbook.actions import (
    ContactRefused,
    add_contact,
    add_people_to_book,
    add_person_to_book,
    delete_contact,
    import_contacts,
    set_my_details,
    update_contact,
)
from ent.addressbook.models import Contact, Presentation
from ent.addressbook.permissions import can_export_school_directory
from ent.audit.models import AuditEvent
from ent.rights.communication import detail_audiences
from ent.rights.models import DetailAudience
from ent.rights.tests.factories import pupil_in

from .factories import contact_of, vcard

pytestmark = pytest.mark.django_db


@pytest.mark.sdet("UTI-IDO-PBL-04", "UTI-IDO-PBL-02")
def test_one_chooses_who_sees_each_detail_and_writes_a_presentation(world):
    teacher = world.cast.teacher
    audiences = detail_audiences(teacher) | {"email": DetailAudience.STAFF}
    set_my_details(actor=teacher, audiences=audiences, about="Histoire, salle 12")
    assert detail_audiences(teacher)["email"] == DetailAudience.STAFF
    presentation = Presentation.objects.get(person=teacher)
    assert presentation.about == "Histoire, salle 12"
    assert str(presentation) == f"{teacher.pk}: Histoire, salle 12"
    actions_done = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"rights.visibility.set", "addressbook.presentation.change"} <= actions_done
    # Saving the same choices again writes nothing.
    before = AuditEvent.objects.count()
    set_my_details(actor=teacher, audiences=audiences, about="Histoire, salle 12 ")
    assert AuditEvent.objects.count() == before
    with pytest.raises(ValidationError):
        set_my_details(actor=teacher, audiences={}, about="x" * 501)


@pytest.mark.sdet("UTI-IDO-CAD-01")
def test_the_owner_adds_changes_and_removes_free_entries(world):
    owner = world.cast.teacher
    contact = add_contact(actor=owner, first_name="Jean", last_name="Martin", email="j@m.fr")
    update_contact(actor=owner, contact=contact, changes={"phone_work": "01 02 03 04 05"})
    contact.refresh_from_db()
    assert contact.phone_work == "01 02 03 04 05"
    with pytest.raises(ContactRefused):
        update_contact(actor=world.cast.pupil, contact=contact, changes={"note": "x"})
    with pytest.raises(ContactRefused):
        delete_contact(actor=world.cast.pupil, contact=contact)
    with pytest.raises(ValidationError):
        add_contact(actor=owner, note="no name")
    with pytest.raises(ValidationError):
        add_contact(actor=owner, last_name="Bad", email="not-an-address")
    with pytest.raises(TypeError):
        add_contact(actor=owner, last_name="X", owner_id="3")
    delete_contact(actor=owner, contact=contact)
    assert not Contact.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="addressbook.contact.").count() == 3


@pytest.mark.sdet("UTI-IDO-CAD-03", "UTI-IDO-PBL-05")
def test_a_directory_person_is_kept_by_link_once_and_only_when_visible(world):
    cast = world.cast
    contact = add_person_to_book(actor=cast.pupil, person=cast.teacher)
    assert contact.person == cast.teacher
    assert contact.first_name == contact.email == ""  # nothing copied: the link shows live data
    assert add_person_to_book(actor=cast.pupil, person=cast.teacher) == contact
    with pytest.raises(ContactRefused):
        add_person_to_book(actor=cast.pupil, person=world.tom)
    with pytest.raises(ContactRefused):
        add_person_to_book(actor=cast.pupil, person=cast.pupil)
    with pytest.raises(ValidationError):
        update_contact(actor=cast.pupil, contact=contact, changes={"last_name": "Autre"})
    update_contact(actor=cast.pupil, contact=contact, changes={"note": "Prof principale"})
    contact.refresh_from_db()
    assert contact.note == "Prof principale"


@pytest.mark.sdet("UTI-IDO-CAD-06")
def test_merging_a_group_adds_only_visible_people_missing_from_the_book(world):
    cast = world.cast
    classmate = pupil_in(cast.school_class)
    add_person_to_book(actor=cast.pupil, person=cast.teacher)
    people = [cast.pupil, cast.teacher, classmate, world.tom]
    assert add_people_to_book(actor=cast.pupil, people=people) == 1
    assert set(Contact.objects.values_list("person", flat=True)) == {cast.teacher.pk, classmate.pk}
    assert add_people_to_book(actor=cast.pupil, people=people) == 0


@pytest.mark.sdet("UTI-IDO-CAD-05")
def test_a_vcard_file_imports_every_card(world):
    owner = world.cast.teacher
    data = vcard(
        "FN:Jean Martin\r\nN:Martin;Jean;;;\r\nEMAIL;TYPE=work:jean@example.org\r\n"
        "EMAIL:jean.perso@example.org\r\nEMAIL:third@example.org\r\n"
        "TEL;TYPE=cell:06 01 02 03 04\r\nTEL:01 99 99 99 99\r\nTEL;TYPE=work:01 00 00 00 00\r\n"
        "TEL:09 99 99 99 99\r\n"
        "ORG:Mairie\\, service scolaire\r\nTITLE:Agent",
        "FN:Office de tourisme",
        version="3.0",
    )
    assert import_contacts(actor=owner, stream=io.BytesIO(b"\xef\xbb\xbf" + data)) == 2
    jean = Contact.objects.get(last_name="Martin")
    assert (jean.email, jean.email_other) == ("jean@example.org", "jean.perso@example.org")
    assert (jean.phone_mobile, jean.phone_work, jean.phone_home) == (
        "06 01 02 03 04",
        "01 00 00 00 00",
        "01 99 99 99 99",
    )
    assert jean.organisation == "Mairie, service scolaire"  # a fourth phone has no slot
    assert Contact.objects.get(first_name="").last_name == "Office de tourisme"
    assert AuditEvent.objects.get(action="addressbook.contact.import").data == {"count": 2}


@pytest.mark.sdet("UTI-IDO-CAD-05")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (vcard("FN:Bon", "FN:Mauvais\r\nEMAIL:pas-une-adresse"), "Card 2 (Mauvais): e-mail:"),
        (vcard("FN:Bon") + b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\n", "END:VCARD"),
        (b"\xff\xfe not utf-8", "UTF-8"),
        (vcard("FN:" + "x" * 200), "Card 1"),
    ],
)
def test_a_faulty_file_imports_nothing_and_says_why(world, data, message):
    contact_of(world.cast.teacher)
    with override("en"), pytest.raises(ValidationError) as error:
        import_contacts(actor=world.cast.teacher, stream=io.BytesIO(data))
    assert message in " ".join(error.value.messages)
    assert Contact.objects.count() == 1


@pytest.mark.sdet("UTI-IDO-CAD-05")
def test_oversized_files_too_many_cards_and_full_books_are_refused(world, monkeypatch):
    owner = world.cast.teacher
    with override("en"), pytest.raises(ValidationError, match=r"larger than 1\.0"):
        import_contacts(actor=owner, stream=io.BytesIO(vcard("FN:A") + b" " * (1 << 20)))
    monkeypatch.setattr(actions, "MAX_IMPORT_CARDS", 2)
    with override("en"), pytest.raises(ValidationError, match="more than 2 cards"):
        import_contacts(actor=owner, stream=io.BytesIO(vcard("FN:A", "FN:B", "FN:C")))
    monkeypatch.setattr(actions, "MAX_CONTACTS", 1)
    contact_of(owner)
    with pytest.raises(ValidationError):
        add_contact(actor=owner, last_name="Two")
    with pytest.raises(ValidationError):
        add_person_to_book(actor=owner, person=world.cast.head)
    with pytest.raises(ValidationError):
        add_people_to_book(actor=owner, people=[world.cast.head])
    assert Contact.objects.count() == 1


def test_only_administrators_of_a_school_and_operators_export_it(world):
    cast = world.cast
    assert can_export_school_directory(cast.school_admin, cast.school)
    assert can_export_school_directory(cast.head, cast.school)
    assert not can_export_school_directory(cast.teacher, cast.school)
    assert not can_export_school_directory(cast.school_admin, cast.other_school)
    cast.outsider.is_staff = True
    assert can_export_school_directory(cast.outsider, cast.school)


@pytest.mark.sdet("SOC-SUP-ABO-01")
def test_purging_a_departed_person_erases_their_book_their_presentation_and_entries_about_them(
    world,
):
    from ent.directory.actions import purge_person

    teacher, pupil = world.cast.teacher, world.cast.pupil
    add_contact(actor=pupil, first_name="Tante", last_name="Rose", email="rose@example.org")
    set_my_details(actor=pupil, audiences=detail_audiences(pupil), about="J'aime le dessin")
    add_person_to_book(actor=teacher, person=pupil)
    kept = add_contact(actor=teacher, first_name="Autre", last_name="Contact")
    purge_person(actor=None, person=pupil)
    assert not Contact.objects.filter(owner=pupil).exists()
    assert not Contact.objects.filter(person=pupil).exists()
    assert not Presentation.objects.filter(person=pupil).exists()
    assert list(Contact.objects.filter(owner=teacher)) == [kept]
