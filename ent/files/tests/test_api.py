"""The file storage API (/api/v1/files): the same actions and visibility as the pages, problem
documents for refusals, 409 for a held download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ent.core.testing.clamd import EICAR, SIGNATURE
from ent.files import actions
from ent.files.models import Document, Folder, ScanStatus
from ent.rights.tests.factories import person_in

pytestmark = pytest.mark.django_db
BASE = "/api/v1/files"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _json(client, method: str, path: str, payload: dict | None = None):
    return getattr(client, method)(f"{BASE}{path}", payload or {}, content_type="application/json")


def test_anonymous_callers_get_401_and_guests_403(client, world, unscanned):
    assert client.get(f"{BASE}/folders/root").status_code == 401
    assert _json(client, "post", "/folders", {"name": "x"}).status_code == 401
    client.force_login(person_in(world.cast.school, "GST", login="invite"))
    assert client.get(f"{BASE}/folders/root").status_code == 403
    assert not Folder.objects.exists()


@pytest.mark.sdet("UTI-UTL-ESF-01", "UTI-UTL-ESF-09")
def test_a_person_builds_a_tree_uploads_and_downloads(client, world, clamd):
    client.force_login(world.cast.pupil)
    response = _json(client, "post", "/folders", {"name": "Maths"})
    assert response.status_code == 201
    maths = response.json()["id"]
    sub = _json(client, "post", "/folders", {"name": "Devoirs", "parent_id": maths}).json()
    upload = client.post(
        f"{BASE}/documents", {"file": SimpleUploadedFile("devoir.pdf", PDF), "folder_id": sub["id"]}
    )
    assert upload.status_code == 201
    document = upload.json()
    assert (document["folder_id"], document["scan_status"], document["size"]) == (
        sub["id"],
        "clean",
        len(PDF),
    )
    page = client.get(f"{BASE}/folders/{sub['id']}").json()
    assert [d["name"] for d in page["documents"]] == ["devoir.pdf"]
    content = client.get(f"{BASE}/documents/{document['id']}/content")
    assert content.content == PDF
    assert content["Content-Disposition"] == 'attachment; filename="devoir.pdf"'
    infected = client.post(f"{BASE}/documents", {"file": SimpleUploadedFile("x.com", EICAR)})
    assert infected.status_code == 422
    assert SIGNATURE in infected.json()["detail"]
    assert client.get(f"{BASE}/usage").json()["used"] == len(PDF)


def test_bad_input_answers_422_and_hidden_items_404(client, world, unscanned):
    teacher = world.cast.teacher
    folder = actions.create_folder(actor=teacher, name="Privé")
    doc = actions.upload(actor=teacher, folder=folder, name="a.pdf", data=PDF)
    client.force_login(world.cast.pupil)
    assert _json(client, "post", "/folders", {"name": ""}).status_code == 422
    assert _json(client, "post", "/folders", {"name": "a/b"}).status_code == 422
    assert (
        _json(client, "post", "/folders", {"name": "x", "parent_id": folder.pk}).status_code == 404
    )
    assert client.get(f"{BASE}/documents/{doc.pk}").status_code == 404
    assert client.delete(f"{BASE}/documents/{doc.pk}").status_code == 404
    assert client.post(f"{BASE}/documents", {}).status_code == 422


@pytest.mark.sdet("UTI-UTL-ESF-06")
def test_sharing_rename_move_trash_and_restore(client, world, unscanned):
    teacher, pupil = world.cast.teacher, world.cast.pupil
    folder = actions.create_folder(actor=teacher, name="Classe")
    doc = actions.upload(actor=teacher, folder=None, name="fiche.pdf", data=PDF)
    client.force_login(teacher)
    shared = _json(
        client, "post", f"/folders/{folder.pk}/shares", {"person_id": pupil.pk, "role": "modify"}
    )
    assert shared.status_code == 204
    assert (
        _json(client, "post", f"/documents/{doc.pk}/move", {"folder_id": folder.pk}).status_code
        == 200
    )
    client.force_login(pupil)
    listing = client.get(f"{BASE}/shared").json()
    assert [f["name"] for f in listing["folders"]] == ["Classe"]
    renamed = _json(client, "post", f"/documents/{doc.pk}/rename", {"name": "fiche-1.pdf"})
    assert renamed.json()["name"] == "fiche-1.pdf"
    assert client.delete(f"{BASE}/documents/{doc.pk}").status_code == 403
    client.force_login(teacher)
    assert client.delete(f"{BASE}/folders/{folder.pk}").status_code == 204
    trash = client.get(f"{BASE}/trash").json()
    assert [f["id"] for f in trash["folders"]] == [folder.pk]
    assert client.post(f"{BASE}/trash/folders/{folder.pk}/restore").status_code == 200
    assert Document.objects.visible_to(pupil).get().name == "fiche-1.pdf"
    unshared = _json(client, "delete", f"/folders/{folder.pk}/shares", {"person_id": pupil.pk})
    assert unshared.status_code == 204
    assert not Document.objects.visible_to(pupil).exists()


def test_a_held_document_answers_409_until_rescanned(client, world, unscanned):
    doc = actions.upload(actor=world.cast.pupil, folder=None, name="a.pdf", data=PDF)
    Document.objects.filter(pk=doc.pk).update(scan_status=ScanStatus.QUARANTINED)
    client.force_login(world.cast.pupil)
    response = client.get(f"{BASE}/documents/{doc.pk}/content")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    # No antivirus configured any more: the rescan marks it unscanned and lets it out.
    assert client.post(f"{BASE}/documents/{doc.pk}/rescan").json()["downloadable"] is True
    assert client.get(f"{BASE}/documents/{doc.pk}/content").content == PDF
