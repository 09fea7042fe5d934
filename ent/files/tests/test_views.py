"""The pages of "My documents": the permission matrix, uploads through the form (antivirus,
size), downloads that are never rendered, the trash and sharing, with bounded query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ent.core.testing.clamd import EICAR, SIGNATURE
from ent.files import actions
from ent.files.models import Document, Folder, ScanStatus
from ent.rights.models import ShareRole
from ent.rights.tests.factories import person_in

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def url(name: str, *args: int) -> str:
    return reverse(f"files:{name}", args=args)


def as_(client, person):
    client.logout()
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def tree(world, unscanned):
    teacher = world.cast.teacher
    folder = actions.create_folder(actor=teacher, name="Cours")
    document = actions.upload(actor=teacher, folder=folder, name="plan.pdf", data=PDF)
    actions.share_item(actor=teacher, item=folder, with_=world.cast.pupil, role=ShareRole.READ)
    return folder, document


def test_anonymous_visitors_are_sent_to_the_login_page(client, tree):
    folder, document = tree
    for path in (
        url("home"),
        url("folder", folder.pk),
        url("document", document.pk),
        url("download", document.pk),
        url("trash"),
        url("shared"),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response["Location"]
    assert client.post(url("document-trash", document.pk)).status_code == 302
    assert not Document.objects.get(pk=document.pk).in_trash


@pytest.mark.sdet("UTI-UTL-ESF-00")
def test_every_profile_but_guests_has_the_service(client, world, tree):
    guest = person_in(world.cast.school, "GST", login="invite")
    assert as_(client, guest).get(url("home")).status_code == 403
    for person in (
        world.cast.pupil,
        world.cast.guardian,
        world.cast.teacher,
        world.cast.head,
        world.cast.school_admin,
        world.cpe,
    ):
        assert as_(client, person).get(url("home")).status_code == 200


def test_what_is_not_shared_answers_404(client, world, tree):
    folder, document = tree
    for person in (world.cast.outsider, world.tom, world.cast.guardian):
        as_(client, person)
        for path in (
            url("folder", folder.pk),
            url("document", document.pk),
            url("download", document.pk),
            url("folder-manage", folder.pk),
        ):
            assert client.get(path).status_code == 404
        assert client.post(url("document-trash", document.pk)).status_code == 404
        assert client.post(url("document-rename", document.pk), {"name": "x"}).status_code == 404
    assert Document.objects.get(pk=document.pk).name == "plan.pdf"


def test_a_reader_may_not_change_a_shared_file(client, world, tree):
    folder, document = tree
    as_(client, world.cast.pupil)
    assert client.get(url("document", document.pk)).status_code == 200
    assert client.post(url("document-rename", document.pk), {"name": "x.pdf"}).status_code == 403
    assert client.post(url("document-trash", document.pk)).status_code == 403
    assert client.post(url("folder-trash", folder.pk)).status_code == 403
    files = {"file": _upload("devoir.pdf", PDF)}
    assert client.post(url("upload", folder.pk), files).status_code == 403
    assert Document.objects.get(pk=document.pk).name == "plan.pdf"
    assert Document.objects.count() == 1


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.sdet("UTI-UTL-ESF-01")
def test_a_person_creates_folders_and_uploads_through_the_pages(client, world, unscanned):
    as_(client, world.cast.pupil)
    response = client.post(url("folder-create-root"), {"name": "Maths"})
    maths = Folder.objects.get(name="Maths")
    assert response["Location"] == url("home")
    client.post(url("folder-create", maths.pk), {"name": "Géométrie"})
    geometry = Folder.objects.get(name="Géométrie")
    response = client.post(url("upload", geometry.pk), {"file": _upload("triangle.pdf", PDF)})
    assert response.status_code == 302
    page = client.get(url("folder", geometry.pk)).content.decode()
    assert "triangle.pdf" in page
    assert "Maths" in page  # the breadcrumbs
    response = client.post(url("folder-create-root"), {"name": "Maths"})
    assert response.status_code == 422
    assert "already there" in response.content.decode()


@pytest.mark.sdet("UTI-UTL-ESF-09", "UTI-CCO-CEL-19")
def test_an_infected_upload_is_refused_on_the_page_with_the_signature(client, world, clamd):
    as_(client, world.cast.pupil)
    response = client.post(url("upload-root"), {"file": _upload("jeu.exe", EICAR)})
    assert response.status_code == 422
    assert SIGNATURE in response.content.decode()
    assert not Document.objects.exists()
    response = client.post(url("upload-root"), {"file": _upload("cours.pdf", PDF)})
    assert response.status_code == 302
    assert Document.objects.get().scan_status == ScanStatus.CLEAN


def test_an_oversized_upload_is_refused_with_the_limit(client, world, unscanned, settings):
    settings.ENT_UPLOAD_MAX_BYTES = 100
    as_(client, world.cast.pupil)
    response = client.post(url("upload-root"), {"file": _upload("big.bin", b"x" * 101)})
    assert response.status_code == 422
    assert "too large" in response.content.decode()
    assert not Document.objects.exists()
    assert client.post(url("upload-root"), {}).status_code == 422


@pytest.mark.sdet("UTI-UTL-ESF-09")
def test_a_download_is_an_attachment_never_sniffed_and_held_files_answer_409(client, world, tree):
    _folder, document = tree
    as_(client, world.cast.pupil)
    response = client.get(url("download", document.pk))
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    Document.objects.filter(pk=document.pk).update(scan_status=ScanStatus.QUARANTINED)
    response = client.get(url("download", document.pk))
    assert response.status_code == 409
    assert PDF not in response.content
    assert "waits for the antivirus" in response.content.decode()


def test_rename_move_trash_restore_and_purge_through_the_pages(client, world, unscanned):
    teacher = world.cast.teacher
    a = actions.create_folder(actor=teacher, name="A")
    b = actions.create_folder(actor=teacher, name="B")
    doc = actions.upload(actor=teacher, folder=a, name="x.txt", data=b"x")
    as_(client, teacher)
    assert client.post(url("document-rename", doc.pk), {"name": "y.txt"}).status_code == 302
    assert client.post(url("document-rename", doc.pk), {"name": "a/b"}).status_code == 422
    assert client.post(url("document-move", doc.pk), {"target": str(b.pk)}).status_code == 302
    assert client.post(url("folder-move", b.pk), {"target": str(b.pk)}).status_code == 422
    doc.refresh_from_db()
    assert (doc.name, doc.folder_id) == ("y.txt", b.pk)
    assert client.post(url("folder-trash", b.pk))["Location"] == url("home")
    assert client.get(url("document", doc.pk)).status_code == 404
    assert "B" in client.get(url("trash")).content.decode()
    assert client.post(url("folder-restore", b.pk)).status_code == 302
    assert client.get(url("document", doc.pk)).status_code == 200
    client.post(url("document-trash", doc.pk))
    assert client.post(url("document-purge", doc.pk)).status_code == 302
    assert not Document.objects.exists()
    assert client.post(url("folder-purge", a.pk)).status_code == 404  # not in the trash


@pytest.mark.sdet("UTI-UTL-ESF-06")
def test_the_owner_shares_with_a_login_or_a_class_and_stops(client, world, unscanned):
    teacher, pupil = world.cast.teacher, world.cast.pupil
    doc = actions.upload(actor=teacher, folder=None, name="fiche.pdf", data=PDF)
    as_(client, teacher)
    response = client.post(
        url("document-share", doc.pk), {"login": "lea.petit", "role": ShareRole.READ}
    )
    assert response.status_code == 302
    assert "fiche.pdf" in as_(client, pupil).get(url("shared")).content.decode()
    as_(client, teacher)
    response = client.post(url("document-share", doc.pk), {"login": "yves.autre", "role": 10})
    assert response.status_code == 422
    response = client.post(url("document-share", doc.pk), {"role": 10})
    assert response.status_code == 422
    page = client.get(url("document", doc.pk)).content.decode()
    assert "Léa" in page
    from ent.files.queries import shares_of_item

    row = shares_of_item(doc).get()
    assert client.post(url("document-unshare", doc.pk, row.pk)).status_code == 302
    assert as_(client, pupil).get(url("document", doc.pk)).status_code == 404


def test_the_folder_page_runs_a_fixed_number_of_queries(
    client, world, unscanned, django_assert_max_num_queries
):
    teacher = world.cast.teacher
    folder = actions.create_folder(actor=teacher, name="Cours")
    for number in range(3):
        actions.create_folder(actor=teacher, name=f"Sous-dossier {number}", parent=folder)
        actions.upload(actor=teacher, folder=folder, name=f"f{number}.txt", data=b"x")
    as_(client, teacher)
    with django_assert_max_num_queries(30) as few:
        client.get(url("folder", folder.pk))
    for number in range(3, 20):
        actions.upload(actor=teacher, folder=folder, name=f"f{number}.txt", data=b"x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("folder", folder.pk))
