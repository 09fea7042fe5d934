"""The chat's pages: the matrix (anonymous, outsider, not allowed, allowed), the plain-form
chat without JavaScript, and clear refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ent.chat.models import BODY_MAX, ChatProfile, Conversation, Message
from ent.directory.models import Profile


def test_anonymous_is_sent_to_login(client, world, channel_3a):
    response = client.get(reverse("chat:conversation", args=[channel_3a.pk]))
    assert response.status_code == 302


def test_outsider_gets_404_on_a_channel_of_another_school(client, world, channel_3a):
    client.force_login(world.cast.outsider)
    assert client.get(reverse("chat:conversation", args=[channel_3a.pk])).status_code == 404
    response = client.post(reverse("chat:message-post", args=[channel_3a.pk]), {"body": "x"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_a_teacher_may_not_set_the_chat_rules(client, world):
    client.force_login(world.cast.teacher)
    response = client.get(reverse("chat:policies", args=[world.cast.school.pk]))
    assert response.status_code == 403


@pytest.mark.sdet("UTI-CCO-MIN-01", "UTI-CCO-MIN-02")
def test_a_pupil_chats_with_plain_forms(client, world, ines, channel_3a):
    client.force_login(world.cast.pupil)
    home = client.get(reverse("chat:home"))
    assert home.status_code == 200
    assert 'id="chat-widget"' in home.content.decode()
    assert "3eA" in home.content.decode()
    client.post(reverse("chat:channel-join", args=[channel_3a.pk]))
    response = client.post(
        reverse("chat:message-post", args=[channel_3a.pk]), {"body": "Bonjour <b>tous</b>"}
    )
    message = Message.objects.get()
    assert response.url.endswith(f"#message-{message.pk}")
    page = client.get(reverse("chat:conversation", args=[channel_3a.pk])).content.decode()
    assert "Bonjour &lt;b&gt;tous&lt;/b&gt;" in page
    assert f'id="message-{message.pk}"' in page


def test_an_oversized_message_is_refused_with_the_limit(client, world, channel_3a):
    client.force_login(world.cast.pupil)
    response = client.post(
        reverse("chat:message-post", args=[channel_3a.pk]), {"body": "a" * (BODY_MAX + 1)}
    )
    assert response.status_code == 422
    assert str(BODY_MAX) in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.sdet("UTI-CCO-MIN-03")
def test_a_private_chat_outside_the_rules_says_why(client, world):
    client.force_login(world.cast.pupil)
    # Yves teaches in another school: Léa does not even see him (422, not a choice).
    response = client.post(reverse("chat:direct-open"), {"person": world.cast.outsider.pk})
    assert response.status_code == 422
    response = client.post(reverse("chat:direct-open"), {"person": world.cast.guardian.pk})
    assert response.status_code == 302


@pytest.mark.sdet("UTI-CCO-MIN-04", "UTI-CCO-MIN-05")
def test_status_and_approved_contacts_pages(client, world, ines):
    client.force_login(world.cast.teacher)
    assert client.post(reverse("chat:status-set"), {"status": "BUSY"}).status_code == 302
    assert ChatProfile.objects.get(person=world.cast.teacher).status == "BUSY"
    client.post(reverse("chat:contacts"), {"approved_only_form": "1", "approved_only": "on"})
    client.post(reverse("chat:contacts"), {"contact_form": "1", "person": ines.pk})
    page = client.get(reverse("chat:contacts")).content.decode()
    assert "Inès Moreau" in page
    client.force_login(world.cast.pupil)
    response = client.post(reverse("chat:direct-open"), {"person": world.cast.teacher.pk})
    assert response.status_code == 403
    assert 'id="direct-errors"' in response.content.decode()


@pytest.mark.sdet("UTI-CCO-MIN-06")
def test_the_head_sets_pupil_hours_on_the_rules_page(client, world):
    client.force_login(world.cast.head)
    url = reverse("chat:policies", args=[world.cast.school.pk])
    response = client.post(
        url, {"profile": "ELV", "mode": "HOURS", "opens_at": "08:00", "closes_at": "18:00"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "08:00" in page
    assert "18:00" in page
    response = client.post(url, {"profile": "ELV", "mode": "HOURS"})
    assert response.status_code == 422


def test_a_teacher_opens_manages_and_deletes_a_topic_channel(client, world, ines):
    client.force_login(world.cast.teacher)
    response = client.post(
        reverse("chat:channel-new"), {"division": "", "name": "Club théâtre", "members": [ines.pk]}
    )
    assert response.status_code == 302
    channel = Conversation.objects.get(name="Club théâtre")
    manage = reverse("chat:channel-manage", args=[channel.pk])
    assert client.get(manage).status_code == 200
    client.post(manage, {"rename_form": "1", "name": "Club de théâtre"})
    channel.refresh_from_db()
    assert channel.name == "Club de théâtre"
    client.force_login(ines)
    assert client.get(manage).status_code == 403
    client.force_login(world.cast.teacher)
    client.post(reverse("chat:channel-delete", args=[channel.pk]))
    client.force_login(ines)
    assert client.get(reverse("chat:conversation", args=[channel.pk])).status_code == 404


def test_guests_have_no_chat(client, world):
    from ent.rights.tests.factories import person_in

    guest = person_in(world.cast.school, Profile.GST)
    client.force_login(guest)
    assert client.get(reverse("chat:home")).status_code == 403
    assert 'id="chat-widget"' not in client.get(reverse("portal:home")).content.decode()
