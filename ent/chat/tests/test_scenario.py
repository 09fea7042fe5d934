"""Scenario 12 of spec-utilisateur: instant messaging with time limits (MIN-01..06)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from ent.chat.models import ChatProfile, Conversation, Kind, Message, Status
from ent.rights.tests.factories import person_in

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.sdet(
    "UTI-CCO-MIN-01",
    "UTI-CCO-MIN-02",
    "UTI-CCO-MIN-03",
    "UTI-CCO-MIN-04",
    "UTI-CCO-MIN-05",
    "UTI-CCO-MIN-06",
)
def test_scenario_12_instant_messaging_with_time_limits(client, world, ines, channel_3a):
    lea, head = world.cast.pupil, world.cast.head
    day = dt.datetime(2025, 3, 11, 10, 0, tzinfo=PARIS)
    with time_machine.travel(day):
        # Léa opens the chat widget from the cahier de textes page.
        client.force_login(lea)
        page = client.get("/cahier-de-textes/", follow=True).content.decode()
        assert f'href="{reverse("chat:home")}"' in page
        assert 'id="chat-widget"' in page
        # She joins the channel of her class, sets her status to busy, and writes privately
        # to a classmate.
        client.post(reverse("chat:channel-join", args=[channel_3a.pk]))
        client.post(reverse("chat:status-set"), {"status": "BUSY"})
        assert ChatProfile.objects.get(person=lea).status == Status.BUSY
        response = client.post(reverse("chat:direct-open"), {"person": ines.pk})
        private = Conversation.objects.get(kind=Kind.DIRECT)
        assert response.url == reverse("chat:conversation", args=[private.pk])
        client.post(reverse("chat:message-post", args=[private.pk]), {"body": "Tu viens ?"})
        assert Message.objects.get(conversation=private).author == lea

        # The admin restricts pupils' chat to 08:00-18:00.
        client.force_login(head)
        client.post(
            reverse("chat:policies", args=[world.cast.school.pk]),
            {"profile": "ELV", "mode": "HOURS", "opens_at": "08:00", "closes_at": "18:00"},
        )

    with time_machine.travel(day.replace(hour=19)):
        # At 19:00 Léa's chat is unavailable, and the page says so.
        client.force_login(lea)
        home = client.get(reverse("chat:home")).content.decode()
        assert 'id="chat-closed"' in home
        assert "18:00" in home
        response = client.post(reverse("chat:message-post", args=[private.pk]), {"body": "Hé"})
        assert response.status_code == 403
        assert Message.objects.count() == 1

    with time_machine.travel(day.replace(hour=11)):
        # Mme Martin restricts incoming chats to her approved contacts: Tom cannot start one.
        martin = person_in(world.cast.school, "ENS", login="m.martin", last_name="Martin")
        from ent.directory.models import TeachingAssignment

        TeachingAssignment.objects.create(
            teacher=martin, school_class=world.class_5c, subject_code="MATHS"
        )
        client.force_login(martin)
        client.post(reverse("chat:contacts"), {"approved_only_form": "1", "approved_only": "on"})
        client.force_login(world.tom)
        response = client.post(reverse("chat:direct-open"), {"person": martin.pk})
        assert response.status_code == 403
        assert 'id="direct-errors"' in response.content.decode()
        assert "Martin" in response.content.decode()
        assert not Conversation.objects.filter(direct_key__contains=str(martin.pk)).exists()
