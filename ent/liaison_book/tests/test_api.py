"""The liaison book API (/api/v1/liaison-book): the same actions and visibility as the pages,
with problem documents for 401, 403, 404 and 422."""

from __future__ import annotations

from typing import Any

import pytest

from ent.liaison_book import actions
from ent.liaison_book.models import Note, Reply, Signature

from .factories import class_note, families_in

pytestmark = pytest.mark.django_db

BASE = "/api/v1/liaison-book"
PROBLEM = "application/problem+json"


def _post(client, path: str, payload: dict) -> Any:
    return client.post(f"{BASE}{path}", payload, content_type="application/json")


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    return response.json()


def test_anonymous_callers_get_401(client, world, outing):
    lea = world.cast.pupil.pk
    for response in (
        client.get(f"{BASE}/books/{lea}"),
        client.get(f"{BASE}/notes/{outing.pk}"),
        _post(client, "/notes", {"title": "x", "body": "y", "pupil_ids": [lea]}),
        _post(client, f"/notes/{outing.pk}/signatures", {"pupil_id": lea}),
    ):
        _problem(response, 401)


def test_people_without_the_service_get_403(client, world, outing):
    client.force_login(world.cast.school_admin)
    _problem(client.get(f"{BASE}/books/{world.cast.pupil.pk}"), 403)
    _problem(_post(client, f"/notes/{outing.pk}/signatures", {"pupil_id": 1}), 403)


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_reading_a_book(client, world, blanc, outing, lea_note):
    cast = world.cast
    actions.sign_note(actor=cast.guardian, note=outing, pupil=cast.pupil)
    actions.reply_to_note(actor=cast.guardian, note=lea_note, pupil=cast.pupil, body="Merci.")
    client.force_login(cast.guardian)
    body = client.get(f"{BASE}/books/{cast.pupil.pk}").json()
    assert body["pupil"] == {"id": cast.pupil.pk, "name": cast.pupil.display_name}
    assert body["may_write"] is True
    notes = {note["id"]: note for note in body["notes"]}
    assert set(notes) == {outing.pk, lea_note.pk}
    assert [s["guardian_id"] for s in notes[outing.pk]["signatures"]] == [cast.guardian.pk]
    assert [r["body"] for r in notes[lea_note.pk]["replies"]] == ["Merci."]
    client.force_login(cast.pupil)
    assert client.get(f"{BASE}/books/{cast.pupil.pk}").json()["may_write"] is False
    for stranger in (blanc, world.tom, cast.outsider):
        client.force_login(stranger)
        _problem(client.get(f"{BASE}/books/{cast.pupil.pk}"), 404)
        _problem(client.get(f"{BASE}/notes/{lea_note.pk}"), 404)


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_writing_notes(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    created = _post(
        client,
        "/notes",
        {"title": "Matériel", "body": "Oubli.", "kind": "INCIDENT", "pupil_ids": [cast.pupil.pk]},
    )
    assert created.status_code == 201
    assert created.json()["kind"] == "INCIDENT"
    whole = _post(
        client,
        "/notes",
        {
            "title": "Sortie",
            "body": "Vendredi.",
            "requires_signature": True,
            "school_class_id": world.class_3a.pk,
        },
    )
    assert whole.status_code == 201
    assert whole.json()["school_class_id"] == world.class_3a.pk
    assert client.get(f"{BASE}/notes/{whole.json()['id']}").status_code == 200


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_refused_writes_say_why_and_save_nothing(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    # A pupil of her school she does not teach: a clear 403.
    refused = _problem(
        _post(client, "/notes", {"title": "x", "body": "y", "pupil_ids": [world.tom.pk]}), 403
    )
    assert "Tom" in refused["detail"]
    refused = _problem(
        _post(client, "/notes", {"title": "x", "body": "y", "school_class_id": world.class_5c.pk}),
        403,
    )
    assert "5eC" in refused["detail"]
    # A pupil that does not exist, or a class of a school she is not in, is a 404.
    _problem(_post(client, "/notes", {"title": "x", "body": "y", "pupil_ids": [999999]}), 404)
    _problem(
        _post(client, "/notes", {"title": "x", "body": "y", "school_class_id": world.class_6b.pk}),
        404,
    )
    # Bad input: no audience, two audiences, an empty title.
    _problem(_post(client, "/notes", {"title": "x", "body": "y"}), 422)
    _problem(
        _post(
            client,
            "/notes",
            {
                "title": "x",
                "body": "y",
                "pupil_ids": [cast.pupil.pk],
                "school_class_id": world.class_3a.pk,
            },
        ),
        422,
    )
    _problem(_post(client, "/notes", {"title": "", "body": "y", "pupil_ids": [cast.pupil.pk]}), 422)
    # The pupil reads only.
    client.force_login(cast.pupil)
    _problem(
        _post(client, "/notes", {"title": "x", "body": "y", "pupil_ids": [cast.pupil.pk]}), 403
    )
    # The outsider knows no pupil of school X.
    client.force_login(cast.outsider)
    _problem(
        _post(client, "/notes", {"title": "x", "body": "y", "pupil_ids": [cast.pupil.pk]}), 404
    )
    _problem(
        _post(client, "/notes", {"title": "x", "body": "y", "school_class_id": world.class_3a.pk}),
        404,
    )
    assert not Note.objects.exists()


@pytest.mark.sdet("UTI-AVE-CLI-01")
def test_answering_and_signing(client, world, outing, blanc):
    cast = world.cast
    path = f"/notes/{outing.pk}"
    client.force_login(cast.guardian)
    answer = _post(client, f"{path}/replies", {"pupil_id": cast.pupil.pk, "body": "Oui."})
    assert answer.status_code == 201
    assert answer.json()["author_id"] == cast.guardian.pk
    signed = _post(client, f"{path}/signatures", {"pupil_id": cast.pupil.pk})
    assert signed.status_code == 201
    first = signed.json()
    assert (first["guardian_id"], first["revision"]) == (cast.guardian.pk, 1)
    again = _post(client, f"{path}/signatures", {"pupil_id": cast.pupil.pk}).json()
    assert again["signed_at"] == first["signed_at"]
    assert again["id"] == first["id"]
    client.force_login(cast.teacher)
    _problem(_post(client, f"{path}/signatures", {"pupil_id": cast.pupil.pk}), 403)
    client.force_login(cast.pupil)
    _problem(_post(client, f"{path}/replies", {"pupil_id": cast.pupil.pk, "body": "Moi"}), 403)
    client.force_login(blanc)
    _problem(_post(client, f"{path}/signatures", {"pupil_id": cast.pupil.pk}), 404)
    assert Signature.objects.count() == 1
    assert Reply.objects.count() == 1


@pytest.mark.sdet("UTI-AVE-CLI-01", "UTI-AVE-CLI-02")
def test_tracking_reminding_and_editing(client, world):
    cast = world.cast
    families = families_in(world.class_3a, 2)
    note = class_note(cast.teacher, world.class_3a)
    actions.sign_note(actor=families[0][1], note=note, pupil=families[0][0])
    client.force_login(cast.teacher)
    table = client.get(f"{BASE}/notes/{note.pk}/tracking").json()
    assert (table["families"], table["signed"]) == (3, 1)
    signed = {row["pupil"]["id"]: row["signed"] for row in table["rows"]}
    assert signed == {families[0][0].pk: True, families[1][0].pk: False, cast.pupil.pk: False}
    reminded = _post(client, f"/notes/{note.pk}/reminders", {})
    assert reminded.status_code == 201
    assert reminded.json() == {"families": 2}
    edited = client.put(
        f"{BASE}/notes/{note.pk}",
        {"title": "Sortie jeudi", "body": "Jeudi.", "kind": "AUTHORISATION"},
        content_type="application/json",
    )
    assert edited.status_code == 200
    assert edited.json()["revision"] == 2
    client.force_login(cast.guardian)
    _problem(client.get(f"{BASE}/notes/{note.pk}/tracking"), 403)
    _problem(_post(client, f"/notes/{note.pk}/reminders", {}), 403)
    refused = client.put(
        f"{BASE}/notes/{note.pk}",
        {"title": "x", "body": "y", "kind": "INFORMATION"},
        content_type="application/json",
    )
    _problem(refused, 403)
