"""The liaison book's pages: the permission matrix of every view, the forms, the tracking table
and query counts that do not grow with the number of notes or pupils."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.liaison_book import actions
from ent.liaison_book.models import Kind, Note, NoteRevision, Reply, Signature
from ent.notifications.models import Notification
from ent.rights.models import ServiceGrant
from ent.rights.registry import Level
from ent.rights.tests.factories import new_class

from .factories import class_note, families_in, note_to

pytestmark = pytest.mark.django_db


def url(name: str, *args: int) -> str:
    return reverse(f"liaison_book:{name}", args=args)


def status(client, person, path: str, method: str = "get", data=None) -> int:
    client.logout()
    if person is not None:
        client.force_login(person)
    return getattr(client, method)(path, data or {}).status_code


def test_anonymous_visitors_are_sent_to_the_login_page(client, world, outing):
    lea = world.cast.pupil.pk
    for path in (
        url("home"),
        url("book", lea),
        url("book-write", lea),
        url("class", world.class_3a.pk),
        url("class-write", world.class_3a.pk),
        url("note-open", outing.pk),
        url("note-tracking", outing.pk),
        url("note-edit", outing.pk),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response["Location"]
    for path in (url("note-remind", outing.pk), url("note-sign", outing.pk, lea)):
        assert client.post(path).status_code == 302
    assert not Signature.objects.exists()


def test_people_without_the_service_get_403(client, world, outing):
    admin, lea = world.cast.school_admin, world.cast.pupil.pk
    for path in (
        url("home"),
        url("book", lea),
        url("book-write", lea),
        url("class", world.class_3a.pk),
        url("note-tracking", outing.pk),
    ):
        assert status(client, admin, path) == 403
    assert status(client, admin, url("note-sign", outing.pk, lea), "post") == 403


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_pupils_book_opens_for_its_readers_only(client, world, blanc, lea_note):
    cast = world.cast
    book = url("book", cast.pupil.pk)
    for reader in (cast.pupil, cast.guardian, cast.teacher, cast.head, world.cpe):
        assert status(client, reader, book) == 200
    for stranger in (cast.outsider, blanc, world.tom):
        assert status(client, stranger, book) == 404
        assert status(client, stranger, url("note-open", lea_note.pk)) == 404
    # A number that is no pupil is as missing as a hidden one.
    assert status(client, cast.teacher, url("book", cast.head.pk)) == 404


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_the_pupil_reads_with_no_form_and_may_not_write(client, world, lea_note):
    cast = world.cast
    client.force_login(cast.pupil)
    page = client.get(url("book", cast.pupil.pk)).content.decode()
    assert f'id="note-{lea_note.pk}"' in page
    assert '<form method="post" action="/cahier-de-liaison/notes' not in page
    assert 'id="write-note"' not in page
    assert client.get(url("book-write", cast.pupil.pk)).status_code == 403
    answer = client.post(url("note-reply", lea_note.pk, cast.pupil.pk), {"body": "Moi"})
    assert answer.status_code == 403
    assert client.get(url("note-edit", lea_note.pk)).status_code == 403
    assert not Reply.objects.exists()


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_teacher_writes_in_a_pupils_book(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    assert client.get(url("book-write", cast.pupil.pk)).status_code == 200
    invalid = client.post(url("book-write", cast.pupil.pk), {"kind": "INFORMATION", "body": "x"})
    assert invalid.status_code == 422
    assert not Note.objects.exists()
    response = client.post(
        url("book-write", cast.pupil.pk),
        {"kind": "INCIDENT", "title": "Léa a oublié son matériel", "body": "Deux fois."},
    )
    note = Note.objects.get()
    assert response["Location"] == url("note-open", note.pk)
    assert (note.kind, note.author, note.is_from_family) == (Kind.INCIDENT, cast.teacher, False)
    # Tom's book is not hers to open, nor to write in.
    assert status(client, cast.teacher, url("book-write", world.tom.pk)) == 404


def test_a_guardian_writes_with_the_familys_form(client, world):
    cast = world.cast
    client.force_login(cast.guardian)
    page = client.get(url("book-write", cast.pupil.pk)).content.decode()
    assert 'name="requires_signature"' not in page
    assert 'value="INCIDENT"' not in page
    refused = client.post(
        url("book-write", cast.pupil.pk), {"kind": "INCIDENT", "title": "x", "body": "y"}
    )
    assert refused.status_code == 422
    client.post(
        url("book-write", cast.pupil.pk),
        {"kind": "ABSENCE", "title": "Absence mardi", "body": "Rendez-vous médical."},
    )
    assert Note.objects.get().is_from_family


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_the_class_page_and_its_note_form(client, world, blanc):
    cast = world.cast
    class_page = url("class", world.class_3a.pk)
    for staff in (cast.teacher, cast.head, world.cpe):
        assert status(client, staff, class_page) == 200
    for stranger in (cast.outsider, cast.guardian, cast.pupil, blanc):
        assert status(client, stranger, class_page) == 404
        assert status(client, stranger, url("class-write", world.class_3a.pk)) == 404
    # She teaches 4eB but not 5eC.
    assert status(client, cast.teacher, url("class", world.class_5c.pk)) == 404
    client.force_login(cast.teacher)
    assert client.get(url("class-write", world.class_3a.pk)).status_code == 200
    response = client.post(
        url("class-write", world.class_3a.pk),
        {
            "kind": "AUTHORISATION",
            "title": "Sortie au musée",
            "body": "Prévoir un pique-nique.",
            "requires_signature": "on",
        },
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.school_class, note.requires_signature) == (world.class_3a, True)
    page = client.get(class_page).content.decode()
    assert f'data-note="{note.pk}" data-signed="0" data-families="1"' in page


def test_the_class_note_form_says_why_nothing_was_saved(client, world):
    empty = new_class(school=world.cast.school, code="2Z")
    client.force_login(world.cast.head)
    response = client.post(
        url("class-write", empty.pk), {"kind": "INFORMATION", "title": "x", "body": "y"}
    )
    assert response.status_code == 422
    assert 'id="form-errors"' in response.content.decode()
    assert not Note.objects.exists()


def test_a_class_reader_whose_school_lets_them_only_read_may_not_write(client, world):
    ServiceGrant.objects.filter(service="liaison_book", profile="EVS").update(level=Level.READ)
    assert status(client, world.cpe, url("class", world.class_3a.pk)) == 200
    assert status(client, world.cpe, url("class-write", world.class_3a.pk)) == 403
    assert status(client, world.cpe, url("book-write", world.cast.pupil.pk)) == 403


def test_a_teaching_groups_pages(client, world):
    from ent.directory.models import Enrolment, TeachingAssignment
    from ent.rights.tests.factories import new_group

    group = new_group(school=world.cast.school)
    Enrolment.objects.create(pupil=world.tom, teaching_group=group)
    TeachingAssignment.objects.create(
        teacher=world.cast.teacher, teaching_group=group, subject_code="LAT"
    )
    assert status(client, world.cast.teacher, url("group", group.pk)) == 200
    assert status(client, world.cast.outsider, url("group", group.pk)) == 404
    client.force_login(world.cast.teacher)
    client.post(url("group-write", group.pk), {"kind": "INFORMATION", "title": "x", "body": "y"})
    assert Note.objects.get().teaching_group == group


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_the_signature_tracking_table(client, world, blanc):
    cast = world.cast
    families = families_in(world.class_3a, 2)
    note = class_note(cast.teacher, world.class_3a)
    actions.sign_note(actor=families[0][1], note=note, pupil=families[0][0])
    tracking = url("note-tracking", note.pk)
    for staff in (cast.teacher, cast.head, world.cpe):
        assert status(client, staff, tracking) == 200
    # Families see the note in their book, never who else signed.
    assert status(client, cast.guardian, tracking) == 403
    for stranger in (cast.outsider, blanc):
        assert status(client, stranger, tracking) == 404
    client.force_login(cast.teacher)
    page = client.get(tracking).content.decode()
    assert 'data-signed="1" data-families="3"' in page
    assert f'data-pupil="{families[0][0].pk}" data-signed="true"' in page
    assert f'data-pupil="{cast.pupil.pk}" data-signed="false"' in page
    assert 'id="remind-families"' in page
    assert client.get(url("note-open", note.pk))["Location"] == tracking


@pytest.mark.sdet("UTI-AVE-CLI-02")
def test_reminding_the_families_who_have_not_signed(
    client, world, outing, django_capture_on_commit_callbacks
):
    cast = world.cast
    assert status(client, cast.guardian, url("note-remind", outing.pk), "post") == 403
    assert status(client, cast.outsider, url("note-remind", outing.pk), "post") == 404
    client.force_login(cast.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("note-remind", outing.pk))
    assert response["Location"] == url("note-tracking", outing.pk)
    reminders = Notification.objects.filter(kind=actions.REMINDER_EVENT)
    assert list(reminders.values_list("recipient_id", flat=True)) == [cast.guardian.pk]


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_guardian_signs_from_the_book(client, world, outing, blanc):
    cast = world.cast
    sign = url("note-sign", outing.pk, cast.pupil.pk)
    for refused in (cast.teacher, cast.pupil, cast.head):
        assert status(client, refused, sign, "post") == 403
    assert status(client, blanc, sign, "post") == 404
    assert status(client, cast.outsider, sign, "post") == 404
    client.force_login(cast.guardian)
    page = client.get(url("book", cast.pupil.pk)).content.decode()
    assert f'id="sign-{outing.pk}"' in page
    assert client.get(sign).status_code == 405
    response = client.post(sign)
    assert response["Location"] == url("book", cast.pupil.pk) + f"#note-{outing.pk}"
    signature = Signature.objects.get()
    assert (signature.guardian, signature.pupil) == (cast.guardian, cast.pupil)
    page = client.get(url("book", cast.pupil.pk)).content.decode()
    assert f'id="sign-{outing.pk}"' not in page
    assert f'data-signature="{signature.pk}"' in page
    # The family is taken to the note from a notification.
    opened = client.get(url("note-open", outing.pk))
    assert opened["Location"] == url("book", cast.pupil.pk) + f"#note-{outing.pk}"


def test_answers_in_a_thread(client, world, lea_note, blanc):
    cast = world.cast
    reply = url("note-reply", lea_note.pk, cast.pupil.pk)
    assert status(client, blanc, reply, "post", {"body": "?"}) == 404
    client.force_login(cast.guardian)
    client.post(reply, {"body": ""})
    assert not Reply.objects.exists()
    response = client.post(reply, {"body": "Merci, nous y veillerons."})
    assert response["Location"] == url("book", cast.pupil.pk) + f"#note-{lea_note.pk}"
    client.force_login(cast.teacher)
    client.post(reply, {"body": "Merci."})
    client.force_login(cast.pupil)
    page = client.get(url("book", cast.pupil.pk)).content.decode()
    assert page.count("data-reply=") == 2


@pytest.mark.sdet("UTI-AVE-CLI-02")
def test_editing_a_note_keeps_its_earlier_text(client, world, outing):
    cast = world.cast
    edit = url("note-edit", outing.pk)
    actions.sign_note(actor=cast.guardian, note=outing, pupil=cast.pupil)
    for refused in (cast.head, cast.guardian):
        assert status(client, refused, edit) == 403
    assert status(client, cast.outsider, edit) == 404
    client.force_login(cast.teacher)
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"kind": "AUTHORISATION", "title": ""}).status_code == 422
    client.post(edit, {"kind": "AUTHORISATION", "title": "Sortie jeudi", "body": "Jeudi."})
    assert NoteRevision.objects.get().title == "Sortie au musée vendredi"
    client.force_login(cast.guardian)
    page = client.get(url("book", cast.pupil.pk)).content.decode()
    assert 'data-revision="1"' in page
    assert "Sortie au musée vendredi" in page


@pytest.mark.sdet("UTI-AVE-CLI-03")
def test_the_archive_of_past_years_is_read_only(client, world, outing, lea_note):
    cast = world.cast
    Note.objects.update(school_year=F("school_year") - 1)
    year = Note.objects.first().school_year
    archive = url("book-archive", cast.pupil.pk, year)
    assert status(client, cast.outsider, archive) == 404
    assert status(client, cast.guardian, url("book-archive", cast.pupil.pk, year + 1)) == 404
    client.force_login(cast.guardian)
    book = client.get(url("book", cast.pupil.pk)).content.decode()
    assert f'data-year="{year}"' in book
    assert 'id="no-notes"' in book
    page = client.get(archive).content.decode()
    assert f'id="note-{outing.pk}"' in page
    assert f'id="note-{lea_note.pk}"' in page
    assert f'id="sign-{outing.pk}"' not in page
    assert "<textarea" not in page
    assert client.get(url("note-open", outing.pk))["Location"].startswith(archive)


def test_the_home_page_lists_books_classes_and_notes(client, world, outing):
    cast = world.cast
    client.force_login(cast.guardian)
    page = client.get(url("home")).content.decode()
    assert f'data-pupil="{cast.pupil.pk}"' in page
    client.force_login(cast.pupil)
    assert 'id="own-book"' in client.get(url("home")).content.decode()
    client.force_login(cast.teacher)
    page = client.get(url("home")).content.decode()
    assert f'data-class="{world.class_3a.pk}"' in page
    assert f'data-class="{world.class_4b.pk}"' in page
    assert f'data-class="{world.class_5c.pk}"' not in page
    assert f'data-note="{outing.pk}"' in page
    # As Martin's mother she opens his book in school Y too.
    assert f'data-pupil="{world.martin.pk}"' in page
    client.force_login(cast.outsider)
    assert 'id="no-book"' in client.get(url("home")).content.decode()


def _queries(client, path: str) -> int:
    # A first request of the session does its own once-a-session work (last seen, and so on).
    client.get(path)
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context)


def test_a_pupils_book_costs_the_same_queries_for_1_or_40_notes(client, world):
    cast = world.cast
    client.force_login(cast.guardian)
    path = url("book", cast.pupil.pk)

    def add_notes(count: int) -> None:
        for number in range(count):
            note = class_note(cast.teacher, world.class_3a, title=f"Note {number}")
            actions.sign_note(actor=cast.guardian, note=note, pupil=cast.pupil)
            actions.reply_to_note(actor=cast.guardian, note=note, pupil=cast.pupil, body="Vu.")

    add_notes(1)
    one = _queries(client, path)
    add_notes(39)
    forty = _queries(client, path)
    assert one == forty
    assert client.get(path).content.decode().count("data-note=") == 40


def test_the_tracking_table_costs_the_same_queries_for_1_or_30_pupils(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    small = class_note(cast.teacher, world.class_3a)
    one = _queries(client, url("note-tracking", small.pk))
    families = families_in(world.class_4b, 30)
    large = class_note(cast.teacher, world.class_4b)
    for pupil, guardian in families[:10]:
        actions.sign_note(actor=guardian, note=large, pupil=pupil)
    thirty = _queries(client, url("note-tracking", large.pk))
    assert one == thirty
    page = client.get(url("note-tracking", large.pk)).content.decode()
    assert 'data-signed="10" data-families="30"' in page
    # The class page too does not grow with its notes and pupils.
    first = _queries(client, url("class", world.class_3a.pk))
    for _ in range(5):
        class_note(cast.teacher, world.class_3a)
    note_to(cast.teacher, cast.pupil)
    assert _queries(client, url("class", world.class_3a.pk)) == first
    assert _queries(client, url("class", world.class_4b.pk)) == first
