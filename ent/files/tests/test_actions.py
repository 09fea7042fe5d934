"""The actions of "My documents": tree, upload gates (size, quota, antivirus), rename, move,
trash, sharing, the file source other services use and the purge of a departed person."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.core import attachments
from ent.core.testing.clamd import EICAR, SIGNATURE, running_clamd, stop
from ent.directory.actions import purge_person
from ent.files import actions
from ent.files.models import Content, Document, Folder, ScanStatus
from ent.notifications.models import Notification
from ent.rights.models import ShareRole

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.sdet("UTI-UTL-ESF-01")
def test_a_person_builds_a_tree_of_folders_and_sub_folders(world, unscanned):
    teacher = world.cast.teacher
    courses = actions.create_folder(actor=teacher, name="Cours")
    history = actions.create_folder(actor=teacher, name="Histoire", parent=courses)
    term = actions.create_folder(actor=teacher, name="Trimestre 1", parent=history)
    document = actions.upload(actor=teacher, folder=term, name="plan.pdf", data=PDF)

    assert term.path == f"/{courses.pk}/{history.pk}/{term.pk}/"
    assert document.folder == term
    assert document.owner == teacher
    assert document.content_type == "application/pdf"
    assert bytes(Content.objects.get(document=document).data) == PDF
    assert AuditEvent.objects.filter(action="files.document.upload").count() == 1


def test_bad_or_duplicate_names_are_refused_with_a_reason(world, unscanned):
    teacher = world.cast.teacher
    actions.create_folder(actor=teacher, name="Cours")
    for bad in ("", "  ", "..", "a/b", "a\\b", "x\x00y", "n" * 201):
        with pytest.raises(ValidationError):
            actions.create_folder(actor=teacher, name=bad)
    with pytest.raises(ValidationError, match="already there"):
        actions.create_folder(actor=teacher, name="Cours")
    assert Folder.objects.count() == 1


def test_a_second_upload_of_the_same_name_is_kept_beside_the_first(world, unscanned):
    teacher = world.cast.teacher
    first = actions.upload(actor=teacher, folder=None, name="notes.txt", data=b"1")
    second = actions.upload(actor=teacher, folder=None, name="notes.txt", data=b"2")

    assert (first.name, second.name) == ("notes.txt", "notes (2).txt")


@pytest.mark.sdet("UTI-UTL-ESF-09", "UTI-CCO-CEL-19")
def test_an_infected_upload_is_refused_with_the_signature_name(world, clamd):
    teacher = world.cast.teacher
    with pytest.raises(actions.UploadRefusedError) as refusal:
        actions.upload(actor=teacher, folder=None, name="eicar.com", data=EICAR)

    assert SIGNATURE in refusal.value.messages[0]
    assert not Document.objects.exists()
    assert AuditEvent.objects.filter(action="files.document.refused", outcome="FAILURE").exists()


@pytest.mark.sdet("UTI-UTL-ESF-09")
def test_a_clean_upload_is_marked_checked(world, clamd):
    document = actions.upload(actor=world.cast.teacher, folder=None, name="a.pdf", data=PDF)

    assert document.scan_status == ScanStatus.CLEAN
    assert document.downloadable


@pytest.mark.sdet("UTI-UTL-ESF-09", "UTI-CCO-CEL-19")
def test_an_upload_while_the_antivirus_is_down_waits_in_quarantine_until_rescanned(
    world, settings, django_capture_on_commit_callbacks
):
    teacher = world.cast.teacher
    with running_clamd() as daemon:
        settings.ENT_CLAMD_SOCKET = ""
        settings.ENT_CLAMD_ADDRESS = daemon.address
        stop(daemon)
        held = actions.upload(actor=teacher, folder=None, name="a.pdf", data=PDF)
        infected = actions.upload(actor=teacher, folder=None, name="b.com", data=EICAR)
        assert held.scan_status == infected.scan_status == ScanStatus.QUARANTINED
        assert not held.downloadable
        assert actions.rescan_quarantined(actor=None) == 0

    with running_clamd() as daemon:
        settings.ENT_CLAMD_ADDRESS = daemon.address
        assert actions.rescan_quarantined(actor=None) == 2

    held.refresh_from_db()
    infected.refresh_from_db()
    assert held.scan_status == ScanStatus.CLEAN
    assert held.downloadable
    assert infected.scan_status == ScanStatus.INFECTED
    assert infected.scan_detail.startswith(SIGNATURE)
    assert bytes(Content.objects.get(document=infected).data) == b""
    titles = set(Notification.objects.filter(recipient=teacher).values_list("title", flat=True))
    assert any(SIGNATURE in title for title in titles)


@pytest.mark.sdet("UTI-UTL-ESF-09")
def test_without_an_antivirus_uploads_are_accepted_and_marked_unscanned(world, unscanned):
    document = actions.upload(actor=world.cast.teacher, folder=None, name="a.pdf", data=PDF)

    assert document.scan_status == ScanStatus.UNSCANNED
    assert document.downloadable


def test_a_file_over_the_size_cap_is_refused(world, unscanned, settings):
    settings.ENT_UPLOAD_MAX_BYTES = 10
    with pytest.raises(actions.UploadRefusedError, match="too large"):
        actions.upload(actor=world.cast.teacher, folder=None, name="a.bin", data=b"x" * 11)
    assert not Document.objects.exists()


@pytest.mark.sdet("UTI-UTL-ESF-07")
def test_the_quota_refuses_what_does_not_fit_and_warns_once_nearly_full(world, unscanned, settings):
    settings.ENT_FILES_QUOTA_BYTES = 100
    teacher = world.cast.teacher
    actions.upload(actor=teacher, folder=None, name="a.bin", data=b"x" * 50)
    assert not Notification.objects.filter(recipient=teacher, kind="files.quota").exists()
    actions.upload(actor=teacher, folder=None, name="b.bin", data=b"x" * 45)
    assert Notification.objects.filter(recipient=teacher, kind="files.quota").count() == 1
    with pytest.raises(actions.UploadRefusedError, match="not enough room"):
        actions.upload(actor=teacher, folder=None, name="c.bin", data=b"x" * 6)
    assert Document.objects.count() == 2


def test_rename_and_move_keep_paths_right_and_refuse_loops(world, unscanned):
    teacher = world.cast.teacher
    a = actions.create_folder(actor=teacher, name="A")
    b = actions.create_folder(actor=teacher, name="B", parent=a)
    c = actions.create_folder(actor=teacher, name="C", parent=b)
    other = actions.create_folder(actor=teacher, name="Other")
    doc = actions.upload(actor=teacher, folder=c, name="x.txt", data=b"x")

    with pytest.raises(ValidationError):
        actions.move(actor=teacher, item=a, target=c)
    actions.move(actor=teacher, item=b, target=other)
    c.refresh_from_db()
    assert c.path == f"/{other.pk}/{b.pk}/{c.pk}/"
    actions.rename(actor=teacher, item=doc, name="y.txt")
    actions.move(actor=teacher, item=doc, target=None)
    doc.refresh_from_db()
    assert (doc.name, doc.folder) == ("y.txt", None)


def test_trash_hides_a_folder_with_its_content_and_restore_brings_it_back(world, unscanned):
    teacher = world.cast.teacher
    a = actions.create_folder(actor=teacher, name="A")
    b = actions.create_folder(actor=teacher, name="B", parent=a)
    doc = actions.upload(actor=teacher, folder=b, name="x.txt", data=b"x")

    actions.trash(actor=teacher, item=a)
    assert not Folder.objects.visible_to(teacher).exists()
    assert not Document.objects.visible_to(teacher).exists()
    assert list(Folder.objects.filter(in_trash=True)) == [a]

    actions.restore(actor=teacher, item=Folder.objects.get(pk=a.pk))
    assert set(Folder.objects.visible_to(teacher)) == {a, b}
    assert list(Document.objects.visible_to(teacher)) == [doc]

    actions.trash(actor=teacher, item=doc)
    actions.trash(actor=teacher, item=Folder.objects.get(pk=a.pk))
    assert actions.empty_trash(actor=teacher) == 2
    assert not Folder.objects.exists()
    assert not Document.objects.exists()
    assert not Content.objects.exists()


@pytest.mark.sdet("UTI-UTL-ESF-06")
def test_shares_give_read_modify_and_delete_rights_to_people_and_classes(world, unscanned):
    cast = world.cast
    teacher, pupil, tom = cast.teacher, cast.pupil, world.tom
    shared = actions.create_folder(actor=teacher, name="Classe")
    inner = actions.create_folder(actor=teacher, name="Exercices", parent=shared)
    sheet = actions.upload(actor=teacher, folder=inner, name="fiche.pdf", data=PDF)
    private = actions.upload(actor=teacher, folder=None, name="notes.txt", data=b"secret")

    actions.share_item(actor=teacher, item=shared, with_=cast.school_class, role=ShareRole.READ)
    assert set(Folder.objects.visible_to(pupil)) == {shared, inner}
    assert list(Document.objects.visible_to(pupil)) == [sheet]
    assert not Document.objects.visible_to(tom).exists()
    with pytest.raises(PermissionDenied):
        actions.rename(actor=pupil, item=sheet, name="mine.pdf")
    with pytest.raises(PermissionDenied):
        actions.upload(actor=pupil, folder=inner, name="devoir.pdf", data=PDF)

    actions.share_item(actor=teacher, item=private, with_=tom, role=ShareRole.CONTRIBUTE)
    assert Notification.objects.filter(recipient=tom, kind="files.shared").exists()
    actions.rename(actor=tom, item=private, name="notes-tom.txt")
    with pytest.raises(PermissionDenied):
        actions.trash(actor=tom, item=private)

    actions.share_item(actor=teacher, item=inner, with_=pupil, role=ShareRole.MANAGE)
    homework = actions.upload(actor=pupil, folder=inner, name="devoir.pdf", data=PDF)
    assert homework.owner == teacher  # the space, and its quota, stay the owner's
    actions.trash(actor=pupil, item=sheet)
    assert Document.objects.get(pk=sheet.pk).in_trash
    with pytest.raises(PermissionDenied):
        actions.share_item(actor=pupil, item=inner, with_=tom, role=ShareRole.READ)
    with pytest.raises(ValidationError):
        actions.share_item(actor=teacher, item=inner, with_=tom, role=20)

    assert actions.unshare_item(actor=teacher, item=shared, with_=cast.school_class)
    assert list(Folder.objects.visible_to(pupil)) == [inner]


def test_an_outsider_cannot_be_given_a_share(world, unscanned):
    cast = world.cast
    folder = actions.create_folder(actor=cast.pupil, name="Moi")
    with pytest.raises(PermissionDenied):
        actions.share_item(actor=cast.pupil, item=folder, with_=cast.outsider, role=10)


@pytest.mark.sdet("UTI-CCO-CEL-07")
def test_the_file_source_offers_downloadable_files_to_other_services(world, unscanned):
    teacher = world.cast.teacher
    folder = actions.create_folder(actor=teacher, name="Cours")
    doc = actions.upload(actor=teacher, folder=folder, name="plan.pdf", data=PDF)
    Document.objects.filter(pk=doc.pk).update(scan_status=ScanStatus.CLEAN)
    held = actions.upload(actor=teacher, folder=None, name="held.pdf", data=PDF)
    Document.objects.filter(pk=held.pk).update(scan_status=ScanStatus.QUARANTINED)

    source = attachments.source()
    assert source is not None
    files = source.list_files(teacher)
    assert [(f.id, f.name, f.path) for f in files] == [(doc.pk, "plan.pdf", "Cours")]
    stored, data = source.open_file(teacher, doc.pk)
    assert (stored.name, data) == ("plan.pdf", PDF)
    for person, key in ((teacher, held.pk), (world.cast.pupil, doc.pk)):
        with pytest.raises(LookupError):
            source.open_file(person, key)


def test_a_purged_person_loses_their_files(world, unscanned):
    pupil = world.cast.pupil
    folder = actions.create_folder(actor=pupil, name="Moi")
    actions.upload(actor=pupil, folder=folder, name="a.txt", data=b"a")
    actions.upload(actor=pupil, folder=None, name="b.txt", data=b"b")

    purge_person(actor=None, person=pupil)

    assert not Folder.objects.exists()
    assert not Document.objects.exists()
    assert not Content.objects.exists()


def test_old_trash_is_purged_by_the_periodic_job(world, unscanned, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    teacher = world.cast.teacher
    doc = actions.upload(actor=teacher, folder=None, name="a.txt", data=b"a")
    folder = actions.create_folder(actor=teacher, name="Old")
    actions.trash(actor=teacher, item=doc)
    actions.trash(actor=teacher, item=folder)
    assert actions.purge_old_trash(actor=None) == 0
    time_machine.shift(60 * 60 * 24 * 31)
    assert actions.purge_old_trash(actor=None) == 2
    assert not Document.objects.exists()
