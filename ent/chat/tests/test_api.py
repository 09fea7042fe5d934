"""The chat's JSON API: conversations, messages, posting, private conversations, status."""

from __future__ import annotations

import json

import pytest

from ent.chat.models import BODY_MAX, Message

API = "/api/v1/chat"


def _post(client, path, payload):
    return client.post(API + path, json.dumps(payload), content_type="application/json")


def test_anonymous_gets_401(client, world):
    assert client.get(API + "/conversations").status_code == 401


@pytest.mark.sdet("UTI-CCO-MIN-02")
def test_a_pupil_reads_and_posts_in_her_class_channel(client, world, ines, channel_3a):
    client.force_login(world.cast.pupil)
    response = _post(client, f"/conversations/{channel_3a.pk}/messages", {"body": "Salut"})
    assert response.status_code == 201
    assert response.json()["author"] == "Léa Petit"
    listed = client.get(API + "/conversations").json()
    assert [row["title"] for row in listed] == ["3eA"]
    messages = client.get(API + f"/conversations/{channel_3a.pk}/messages").json()
    assert [message["body"] for message in messages] == ["Salut"]


def test_forged_oversized_and_forbidden_posts_are_refused(client, world, channel_3a):
    client.force_login(world.tom)
    assert (
        _post(client, f"/conversations/{channel_3a.pk}/messages", {"body": "x"}).status_code == 404
    )
    client.force_login(world.cast.pupil)
    response = _post(
        client, f"/conversations/{channel_3a.pk}/messages", {"body": "a" * (BODY_MAX + 1)}
    )
    assert response.status_code == 422
    assert _post(client, "/direct", {"person_id": world.cast.outsider.pk}).status_code == 404
    assert not Message.objects.exists()


@pytest.mark.sdet("UTI-CCO-MIN-03", "UTI-CCO-MIN-04")
def test_private_conversation_and_status(client, world, ines):
    client.force_login(world.cast.pupil)
    response = _post(client, "/direct", {"person_id": ines.pk})
    assert response.status_code == 201
    assert response.json()["title"] == "Inès Moreau"
    response = client.put(
        API + "/status", json.dumps({"status": "BUSY"}), content_type="application/json"
    )
    assert response.json() == {"status": "BUSY", "shown_status": "OFFLINE"}
