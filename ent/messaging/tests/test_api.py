"""The mail API (/api/v1/mail): folders, messages, drafts, sending, batch actions and the recipient
picker, with the same rules as the webmail and problem documents for 401, 403, 404 and 422."""

from __future__ import annotations

from typing import Any

import pytest

from ent.messaging import actions
from ent.messaging.addresses import address_of
from ent.messaging.models import Entry, Role, Status
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, person_in

pytestmark = pytest.mark.django_db

BASE = "/api/v1/mail"
PROBLEM = "application/problem+json"


@pytest.fixture
def world(cast):
    install_default_grants(actor=None)
    return build_world(cast)


@pytest.fixture
def delivered(world, django_capture_on_commit_callbacks) -> Entry:
    """Mme Dupont's message in Léa's inbox."""
    cast = world.cast
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_message(
            actor=cast.teacher, to=[address_of(cast.pupil)], cc=[], bcc=[],
            subject="Cahier", body_html="<p>Apporter le cahier</p>",
        )  # fmt: skip
    return Entry.objects.get(owner=cast.pupil, folder__role=Role.INBOX)


def _post(client, path: str, payload: dict) -> Any:
    return client.post(f"{BASE}{path}", payload, content_type="application/json")


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def test_anonymous_callers_get_401(client, world):
    for response in (
        client.get(f"{BASE}/folders"),
        client.get(f"{BASE}/messages/1"),
        client.get(f"{BASE}/recipients?q=lea"),
        _post(client, "/send", {"to": ["a@ent.localhost"]}),
        _post(client, "/batch", {"entries": [1], "action": "delete"}),
    ):
        _problem(response, 401)


def test_people_without_the_service_get_403(client, world):
    client.force_login(person_in(world.cast.school, "GST", login="invite"))
    _problem(client.get(f"{BASE}/folders"), 403)
    _problem(_post(client, "/drafts", {"subject": "x"}), 403)


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_reading_folders_lists_and_a_message(client, world, delivered):
    client.force_login(world.cast.pupil)
    folders = client.get(f"{BASE}/folders").json()
    inbox = next(f for f in folders if f["role"] == "inbox")
    assert (inbox["unread"], inbox["total"]) == (1, 1)
    page = client.get(f"{BASE}/folders/{inbox['id']}/messages").json()
    assert page["count"] == 1
    assert page["items"][0]["subject"] == "Cahier"
    assert page["items"][0]["seen"] is False
    body = client.get(f"{BASE}/messages/{delivered.pk}").json()
    assert body["body_html"] == "<p>Apporter le cahier</p>"
    assert body["sender_address"] == address_of(world.cast.teacher)
    _problem(client.get(f"{BASE}/folders/{inbox['id']}/messages?page=5"), 404)


def test_another_persons_box_is_404(client, world, delivered):
    client.force_login(world.cast.outsider)
    _problem(client.get(f"{BASE}/messages/{delivered.pk}"), 404)
    _problem(client.get(f"{BASE}/folders/{delivered.folder_id}/messages"), 404)
    _problem(_post(client, "/batch", {"entries": [delivered.pk], "action": "delete"}), 404)
    assert Entry.objects.get(pk=delivered.pk).folder.role == Role.INBOX


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_a_draft_is_saved_then_sent(client, world, django_capture_on_commit_callbacks):
    cast = world.cast
    client.force_login(cast.teacher)
    draft = {"to": [address_of(cast.pupil)], "subject": "Brouillon", "body_html": "<p>B</p>"}
    response = _post(client, "/drafts", draft)
    assert response.status_code == 201
    draft_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client,
            "/send",
            {"draft_id": draft_id, "to": [address_of(cast.pupil)], "subject": "Bonjour",
             "body_html": "<p><strong>Bonjour</strong></p>"},
        )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["status"] != Status.DRAFT
    received = Entry.objects.get(owner=cast.pupil, folder__role=Role.INBOX).message
    assert received.subject == "Bonjour"
    assert "<strong>Bonjour</strong>" in received.body_html


@pytest.mark.sdet("UTI-CCO-CEL-05", "UTI-CCO-CEL-07")
def test_a_forbidden_recipient_or_a_script_is_a_422_that_says_why(client, world):
    cast = world.cast
    client.force_login(cast.pupil)
    body = _problem(
        _post(client, "/send", {"to": [address_of(cast.outsider)], "subject": "x"}), 422
    )
    assert address_of(cast.outsider) in body["detail"]
    body = _problem(
        _post(client, "/send", {"to": [address_of(cast.teacher)],
                                "body_html": "<p onclick='x()'>Hi</p><script>x()</script>"}),
        422,
    )  # fmt: skip
    assert "script" in body["detail"]
    assert not Entry.objects.filter(owner=cast.teacher, folder__role=Role.INBOX).exists()


@pytest.mark.sdet("UTI-CCO-CEL-15")
def test_batch_marks_moves_and_deletes(client, world, delivered):
    client.force_login(world.cast.pupil)
    response = _post(client, "/batch", {"entries": [delivered.pk], "action": "read"})
    assert response.json() == {"count": 1}
    assert Entry.objects.get(pk=delivered.pk).seen
    _problem(_post(client, "/batch", {"entries": [delivered.pk], "action": "move"}), 422)
    _problem(_post(client, "/batch", {"entries": [], "action": "delete"}), 422)
    _post(client, "/batch", {"entries": [delivered.pk], "action": "delete"})
    assert Entry.objects.get(message=delivered.message, owner=world.cast.pupil).folder.role == (
        Role.TRASH
    )


@pytest.mark.sdet("UTI-CCO-CEL-02")
def test_recipient_suggestions_stay_within_the_communication_rules(client, world):
    cast = world.cast
    client.force_login(cast.teacher)
    found = client.get(f"{BASE}/recipients?q=Petit").json()
    tokens = {item["token"] for item in found}
    assert address_of(cast.pupil) in tokens
    assert client.get(f"{BASE}/recipients?q=a").json() == []
    client.force_login(cast.pupil)
    tokens = {item["token"] for item in client.get(f"{BASE}/recipients?q=Autre").json()}
    assert address_of(cast.outsider) not in tokens
