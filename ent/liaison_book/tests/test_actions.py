"""The liaison book's actions: who writes, replies, signs and edits, what is saved and who hears."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.liaison_book import actions
from ent.liaison_book.models import (
    Kind,
    Note,
    NoteRevision,
    Recipient,
    Reply,
    Signature,
    books_visible_to,
)
from ent.liaison_book.queries import book, tracking
from ent.notifications.models import Notification
from ent.rights.models import ServiceGrant
from ent.rights.queries import effective_rights
from ent.rights.registry import Level
from ent.rights.tests.factories import guardian_of, new_class, person_in

from .factories import class_note, families_in, family_in, note_to

pytestmark = pytest.mark.django_db


def _told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


@pytest.mark.sdet("UTI-AVE-CLI-00", "UTI-AVE-CLI-01", "UTI-AVE-CLI-02")
def test_spec_scenario_35_liaison_book_rights(world, blanc, django_capture_on_commit_callbacks):
    """spec-utilisateur §35: Léa's one book, its writers, its reader, and who is kept out."""
    cast = world.cast
    lea, teacher, mother = cast.pupil, cast.teacher, cast.guardian
    # Léa has exactly one personal liaison book.
    assert list(books_visible_to(lea)) == [lea]
    with django_capture_on_commit_callbacks(execute=True):
        note = note_to(teacher, lea, title="Léa a oublié son matériel")
    # (R) Léa's parent is told of the teacher's entry; so is Léa.
    assert _told(actions.NOTE_EVENT) == {mother.pk, lea.pk}
    # Her parent reads it and answers; the CPE and the head write too.
    assert Note.objects.visible_to(mother).filter(pk=note.pk).exists()
    actions.reply_to_note(actor=mother, note=note, pupil=lea, body="Merci, c'est noté.")
    note_to(world.cpe, lea, title="Retard", kind=Kind.INCIDENT)
    note_to(cast.head, lea, title="Rendez-vous", kind=Kind.APPOINTMENT)
    # Léa reads every entry…
    page = book(lea, lea, rights=effective_rights(lea))
    assert [item.note.title for item in page.notes] == [
        "Rendez-vous",
        "Retard",
        "Léa a oublié son matériel",
    ]
    assert [reply.body for reply in page.notes[2].replies] == ["Merci, c'est noté."]
    assert not page.may_write
    # …but her attempts to add or edit one are refused, and nothing is saved.
    with pytest.raises(PermissionDenied):
        note_to(lea, lea, title="Moi aussi")
    with pytest.raises(PermissionDenied):
        actions.edit_note(actor=lea, note=note, title="Rien", body="Rien", kind=Kind.INFORMATION)
    with pytest.raises(PermissionDenied):
        actions.reply_to_note(actor=lea, note=note, pupil=lea, body="Je réponds")
    assert Note.objects.count() == 3
    # M. Blanc (another pupil's parent) and Tom cannot open Léa's book.
    for stranger in (blanc, world.tom, cast.outsider, cast.school_admin):
        assert lea not in books_visible_to(stranger)
        assert not Note.objects.visible_to(stranger).exists()


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_teacher_cannot_write_to_a_pupil_they_do_not_teach(world):
    with pytest.raises(PermissionDenied) as refused:
        note_to(world.cast.teacher, world.cast.pupil, world.tom)
    assert "Tom" in str(refused.value)
    assert not Note.objects.exists()
    assert not Recipient.objects.exists()
    assert not AuditEvent.objects.filter(action="liaison_book.note.write").exists()


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_class_note_needs_a_teacher_of_that_class(world):
    with pytest.raises(PermissionDenied) as refused:
        class_note(world.cast.teacher, world.class_5c)
    assert "5eC" in str(refused.value)
    assert not Note.objects.exists()
    # The head and the CPE write to any class of their school.
    assert class_note(world.cast.head, world.class_5c).recipients.count() == 1
    assert class_note(world.cpe, world.class_5c).recipients.count() == 1


@pytest.mark.sdet("UTI-AVE-CLI-01", "UTI-AVE-CLI-02", "UTI-CCO-AIN-03")
def test_spec_scenario_14_a_class_note_reaches_every_book_of_the_class_only(
    world, django_capture_on_commit_callbacks
):
    """spec-utilisateur §14: « Sortie au musée vendredi » goes into every book of the class."""
    cast = world.cast
    hugo, morel = family_in(world.class_3a, first_name="Hugo")
    with django_capture_on_commit_callbacks(execute=True):
        note = class_note(cast.teacher, world.class_3a, title="Sortie au musée vendredi")
    assert Note.objects.count() == 1
    assert set(note.recipients.values_list("pupil_id", flat=True)) == {cast.pupil.pk, hugo.pk}
    assert Note.objects.visible_to(hugo).get() == note
    assert Note.objects.visible_to(morel).get() == note
    assert _told(actions.NOTE_EVENT) == {hugo.pk, morel.pk, cast.pupil.pk, cast.guardian.pk}
    # Pupils of other classes get nothing.
    assert not Note.objects.visible_to(world.tom).exists()
    assert world.tom.pk not in _told(actions.NOTE_EVENT)


def test_a_note_to_chosen_pupils_of_a_class_goes_to_them_only(world):
    (hugo, _), (zoe, _) = families_in(world.class_3a, 2)
    note = actions.write_note(
        actor=world.cast.teacher,
        division=world.class_3a,
        pupils=[hugo, zoe],
        title="Soutien",
        body="Séance de soutien mardi.",
    )
    assert not note.is_class_wide
    assert set(note.recipients.values_list("pupil_id", flat=True)) == {hugo.pk, zoe.pk}
    assert not Note.objects.visible_to(world.cast.pupil).exists()
    with pytest.raises(ValidationError):
        actions.write_note(
            actor=world.cast.teacher,
            division=world.class_3a,
            pupils=[world.tom],
            title="Soutien",
            body="Texte",
        )


def test_a_teaching_group_note_goes_to_the_group(world):
    from ent.directory.models import Enrolment, TeachingAssignment
    from ent.rights.tests.factories import new_group

    group = new_group(school=world.cast.school)
    Enrolment.objects.create(pupil=world.tom, teaching_group=group)
    TeachingAssignment.objects.create(
        teacher=world.cast.teacher, teaching_group=group, subject_code="LAT"
    )
    note = class_note(world.cast.teacher, group, title="Latin")
    assert note.teaching_group == group
    assert note.school_class is None
    assert Note.objects.visible_to(world.tom).get() == note


def test_bad_input_saves_nothing(world):
    cast = world.cast
    with pytest.raises(ValidationError):
        note_to(cast.teacher, cast.pupil, title="  ", body="Texte")
    with pytest.raises(ValidationError):
        note_to(cast.teacher, cast.pupil, kind="NOPE")
    with pytest.raises(ValidationError):
        note_to(cast.teacher)
    empty = new_class(school=cast.school, code="2Z")
    with pytest.raises(ValidationError):
        class_note(cast.head, empty)
    assert not Note.objects.exists()


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_guardian_writes_in_their_childs_book_as_the_family(
    world, django_capture_on_commit_callbacks
):
    cast = world.cast
    with django_capture_on_commit_callbacks(execute=True):
        note = note_to(cast.guardian, cast.pupil, title="Absence mardi", kind=Kind.ABSENCE)
    assert note.is_from_family
    assert note.author == cast.guardian
    # The professeur principal (Mme Dupont) and Léa hear of it; the writer does not.
    assert _told(actions.NOTE_EVENT) == {cast.teacher.pk, cast.pupil.pk}
    assert Note.objects.visible_to(cast.teacher).get() == note
    # A family neither asks for a signature nor reports an incident, even when editing.
    with pytest.raises(ValidationError):
        note_to(cast.guardian, cast.pupil, requires_signature=True)
    with pytest.raises(ValidationError):
        note_to(cast.guardian, cast.pupil, kind=Kind.INCIDENT)
    with pytest.raises(ValidationError):
        actions.edit_note(
            actor=cast.guardian, note=note, title="Absence", body="x", kind=Kind.INCIDENT
        )
    # Another family's child is out of reach.
    with pytest.raises(PermissionDenied):
        note_to(cast.guardian, world.tom)


def test_a_guardian_without_legal_authority_neither_writes_nor_signs(world, outing):
    uncle = person_in(world.cast.school, "TUT", first_name="Oncle")
    guardian_of(world.cast.pupil, uncle, legal=False)
    assert world.cast.pupil not in books_visible_to(uncle)
    with pytest.raises(PermissionDenied):
        note_to(uncle, world.cast.pupil)
    with pytest.raises(PermissionDenied):
        actions.sign_note(actor=uncle, note=outing, pupil=world.cast.pupil)


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_the_central_habilitation_decides_who_writes(world):
    """A school that lets guardians only read their child's book (SOC-SEC-AUT-01)."""
    ServiceGrant.objects.filter(service="liaison_book", profile="TUT").update(level=Level.READ)
    with pytest.raises(PermissionDenied):
        note_to(world.cast.guardian, world.cast.pupil)
    assert world.cast.pupil in books_visible_to(world.cast.guardian)


def test_mme_dupont_writes_as_martins_mother_in_school_y_only(world):
    """spec-context §9.1: her parent role in Y never gives her a teacher's rights there."""
    cast = world.cast
    note = note_to(cast.teacher, world.martin, title="Rendez-vous", kind=Kind.APPOINTMENT)
    assert note.is_from_family
    assert note.school == cast.other_school
    classmate = family_in(world.class_6b)[0]
    with pytest.raises(PermissionDenied):
        note_to(cast.teacher, classmate)
    with pytest.raises(PermissionDenied):
        class_note(cast.teacher, world.class_6b)
    with pytest.raises(ValidationError):
        note_to(cast.teacher, cast.pupil, world.martin)


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_a_signature_is_dated_attributed_and_never_changes(
    world, outing, django_capture_on_commit_callbacks
):
    cast = world.cast
    moment = timezone.now() + timedelta(hours=1)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        signature = actions.sign_note(actor=cast.guardian, note=outing, pupil=cast.pupil)
    assert signature.signed_at == moment
    assert (signature.guardian, signature.pupil, signature.revision) == (
        cast.guardian,
        cast.pupil,
        1,
    )
    # The author hears of it.
    assert _told(actions.SIGNATURE_EVENT) == {cast.teacher.pk}
    assert AuditEvent.objects.filter(action="liaison_book.note.sign").count() == 1
    # Signing again changes nothing: same row, same date; there is no way to unsign.
    again = actions.sign_note(actor=cast.guardian, note=outing, pupil=cast.pupil)
    assert again.pk == signature.pk
    assert again.signed_at == moment
    assert Signature.objects.count() == 1
    assert not hasattr(actions, "unsign_note")


def test_only_a_legal_guardian_signs_a_note_that_asks_for_it(world, outing, lea_note):
    cast = world.cast
    for stranger in (cast.teacher, cast.pupil, cast.head, world.cpe):
        with pytest.raises(PermissionDenied):
            actions.sign_note(actor=stranger, note=outing, pupil=cast.pupil)
    with pytest.raises(PermissionDenied):
        actions.sign_note(actor=cast.guardian, note=lea_note, pupil=cast.pupil)
    assert not Signature.objects.exists()


@pytest.mark.sdet("UTI-AVE-CLI-02")
def test_editing_a_signed_note_keeps_what_was_signed(
    world, outing, django_capture_on_commit_callbacks
):
    cast = world.cast
    signature = actions.sign_note(actor=cast.guardian, note=outing, pupil=cast.pupil)
    with django_capture_on_commit_callbacks(execute=True):
        edited = actions.edit_note(
            actor=cast.teacher,
            note=outing,
            title="Sortie au musée jeudi",
            body="Changement de date : jeudi.",
            kind=Kind.AUTHORISATION,
        )
    assert (edited.revision, edited.title) == (2, "Sortie au musée jeudi")
    assert edited.edited_at is not None
    earlier = NoteRevision.objects.get(note=outing)
    assert (earlier.number, earlier.title, earlier.body) == (
        1,
        "Sortie au musée vendredi",
        "Prévoir un pique-nique.",
    )
    signature.refresh_from_db()
    assert signature.revision == 1
    # CLI-02: a change is announced like an addition.
    assert _told(actions.NOTE_EVENT) == {cast.pupil.pk, cast.guardian.pk}
    # The book shows the earlier version beside the signature.
    item = book(cast.guardian, cast.pupil, rights=effective_rights(cast.guardian)).notes[0]
    assert [revision.title for revision in item.revisions] == ["Sortie au musée vendredi"]
    assert item.signatures == [signature]
    # An unchanged edit makes no version; only the author edits.
    actions.edit_note(
        actor=cast.teacher,
        note=edited,
        title=edited.title,
        body=edited.body,
        kind=edited.kind,
    )
    assert NoteRevision.objects.count() == 1
    with pytest.raises(PermissionDenied):
        actions.edit_note(actor=cast.head, note=edited, title="x", body="y", kind=Kind.INFORMATION)


def test_a_familys_answer_to_a_class_note_stays_in_its_own_thread(
    world, outing, django_capture_on_commit_callbacks
):
    cast = world.cast
    hugo, morel = family_in(world.class_3a, first_name="Hugo")
    outing = class_note(cast.teacher, world.class_3a, title="Réunion")
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.reply_to_note(
            actor=cast.guardian, note=outing, pupil=cast.pupil, body="Nous viendrons."
        )
    # The author hears of the family's answer; the other family neither hears nor reads it.
    assert _told(actions.REPLY_EVENT) == {cast.teacher.pk, cast.pupil.pk}
    assert not Reply.objects.visible_to(morel).exists()
    assert not Reply.objects.visible_to(hugo).exists()
    assert Reply.objects.visible_to(cast.teacher).get() == reply
    assert book(morel, hugo, rights=effective_rights(morel)).notes[0].replies == []
    # The school answers in the same thread, and the family hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_to_note(actor=cast.teacher, note=outing, pupil=cast.pupil, body="Parfait.")
    assert _told(actions.REPLY_EVENT) >= {cast.guardian.pk}
    # A family cannot answer in another family's thread.
    with pytest.raises(PermissionDenied):
        actions.reply_to_note(actor=morel, note=outing, pupil=cast.pupil, body="?")
    with pytest.raises(ValidationError):
        actions.reply_to_note(actor=cast.guardian, note=outing, pupil=cast.pupil, body="  ")


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_class_tracking_counts_families_and_reminds_those_who_have_not_signed(
    world, django_capture_on_commit_callbacks
):
    cast = world.cast
    families = families_in(world.class_3a, 3)
    second_parent = person_in(cast.school, "TUT", first_name="Autre")
    guardian_of(families[0][0], second_parent)
    note = class_note(cast.teacher, world.class_3a)
    actions.sign_note(actor=families[0][1], note=note, pupil=families[0][0])
    # Both legal guardians may sign; one signature is enough for the family.
    actions.sign_note(actor=second_parent, note=note, pupil=families[0][0])
    actions.sign_note(actor=cast.guardian, note=note, pupil=cast.pupil)
    table = tracking(note)
    assert (table.families, table.signed, table.unsigned) == (4, 2, 2)
    row = next(row for row in table.rows if row.pupil == families[0][0])
    assert [s.guardian for s in row.signatures] == [families[0][1], second_parent]
    with django_capture_on_commit_callbacks(execute=True):
        reminded = actions.remind_unsigned(actor=cast.teacher, note=note)
    assert reminded == 2
    assert _told(actions.REMINDER_EVENT) == {families[1][1].pk, families[2][1].pk}
    assert AuditEvent.objects.filter(action="liaison_book.note.remind").count() == 1
    # Families never remind.
    with pytest.raises(PermissionDenied):
        actions.remind_unsigned(actor=cast.guardian, note=note)


@pytest.mark.sdet("UTI-AVE-CLI-03")
def test_notes_of_past_school_years_are_archived_read_only(world, outing, lea_note):
    cast = world.cast
    actions.sign_note(actor=cast.guardian, note=outing, pupil=cast.pupil)
    Note.objects.update(school_year=F("school_year") - 1)
    outing.refresh_from_db()
    lea_note.refresh_from_db()
    assert outing.is_archived
    assert set(Note.objects.archived()) == {outing, lea_note}
    # Nothing is added to, changed in or signed in an archive.
    with pytest.raises(PermissionDenied):
        actions.reply_to_note(actor=cast.guardian, note=lea_note, pupil=cast.pupil, body="x")
    with pytest.raises(PermissionDenied):
        actions.edit_note(
            actor=cast.teacher, note=lea_note, title="x", body="y", kind=Kind.INFORMATION
        )
    with pytest.raises(PermissionDenied):
        actions.remind_unsigned(actor=cast.teacher, note=outing)
    # The family and the school still consult it.
    for reader in (cast.guardian, cast.pupil, cast.teacher, cast.head):
        this_year = book(reader, cast.pupil, rights=effective_rights(reader))
        assert this_year.notes == []
        assert this_year.archived_years == [outing.school_year]
        archive = book(reader, cast.pupil, rights=effective_rights(reader), year=outing.school_year)
        assert {item.note for item in archive.notes} == {outing, lea_note}
        assert not any(item.may_reply or item.may_sign or item.may_edit for item in archive.notes)
        assert not archive.may_write
