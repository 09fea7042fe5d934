"""The chat's WebSocket on the real ASGI application (ent.asgi: Channels' auth and origin
checks, the in-memory layer), with real sessions, on both databases."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.utils.translation import gettext as _

from ent.chat.actions import set_access_policy
from ent.chat.consumers import FORBIDDEN, FRAME_MAX, UNAUTHENTICATED
from ent.chat.models import BODY_MAX, ChatProfile, Message, Mode, Status
from ent.directory.models import Profile
from ent.notifications.models import Notification

from .sockets import communicator, frames_until

pytestmark = pytest.mark.django_db(transaction=True)
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.sdet("UTI-CCO-MIN-02")
def test_a_channel_message_reaches_every_connected_member_live(world, ines, channel_3a):
    lea, teacher = communicator(world.cast.pupil), communicator(world.cast.teacher)

    async def scenario() -> dict:
        assert (await lea.connect())[0]
        assert (await teacher.connect())[0]
        await frames_until(lea, "ready")
        await frames_until(teacher, "ready")
        await lea.send_json_to({"type": "follow", "conversation": channel_3a.pk})
        await lea.send_json_to(
            {"type": "message", "conversation": channel_3a.pk, "body": "Bonjour la classe"}
        )
        received = await frames_until(teacher, "message")
        echoed = await frames_until(lea, "message")
        assert echoed["message"]["id"] == received["message"]["id"]
        await lea.disconnect()
        await teacher.disconnect()
        return received

    received = async_to_sync(scenario)()
    assert received["message"]["body"] == "Bonjour la classe"
    assert received["message"]["author"] == "Léa Petit"
    assert Message.objects.get().conversation == channel_3a


def test_a_socket_without_a_session_is_refused_with_4401(world):
    anonymous = communicator(None)

    async def scenario() -> tuple:
        return await anonymous.connect()

    assert async_to_sync(scenario)() == (False, UNAUTHENTICATED)


def test_a_socket_from_a_foreign_origin_is_refused(world):
    foreign = communicator(world.cast.pupil, origin="https://evil.example")

    async def scenario() -> tuple:
        return await foreign.connect()

    assert async_to_sync(scenario)()[0] is False


@pytest.mark.sdet("UTI-CCO-MIN-03")
def test_a_private_message_the_rules_forbid_is_refused_and_not_stored(world):
    # Léa (a pupil of X) may not write to Yves, a teacher of another school.
    lea = communicator(world.cast.pupil)

    async def scenario() -> dict:
        await lea.connect()
        await frames_until(lea, "ready")
        await lea.send_json_to({"type": "message", "conversation": 999999, "body": "Salut"})
        error = await frames_until(lea, "error")
        await lea.disconnect()
        return error

    error = async_to_sync(scenario)()
    assert error["code"] == "not_found"
    assert error["message"] == _("This conversation does not exist.")
    assert not Message.objects.exists()


def test_forged_channel_oversized_and_garbled_frames_get_clear_errors(world, channel_3a):
    # Tom (5eC) does not belong to 3eA: its channel does not exist for him.
    tom = communicator(world.tom)

    async def scenario() -> list:
        await tom.connect()
        await frames_until(tom, "ready")
        errors = []
        await tom.send_json_to({"type": "message", "conversation": channel_3a.pk, "body": "x"})
        errors.append(await frames_until(tom, "error"))
        await tom.send_to(text_data="x" * (FRAME_MAX + 1))
        errors.append(await frames_until(tom, "error"))
        await tom.send_to(text_data="{not json")
        errors.append(await frames_until(tom, "error"))
        await tom.send_json_to({"type": "follow", "conversation": "abc"})
        errors.append(await frames_until(tom, "error"))
        await tom.disconnect()
        return errors

    errors = async_to_sync(scenario)()
    assert [error["code"] for error in errors] == [
        "not_found",
        "too_large",
        "bad_request",
        "not_found",
    ]
    assert not Message.objects.exists()


def test_a_message_over_the_limit_is_refused_with_the_limit(world, ines, channel_3a):
    lea = communicator(world.cast.pupil)

    async def scenario() -> dict:
        await lea.connect()
        await frames_until(lea, "ready")
        body = "a" * (BODY_MAX + 1)
        await lea.send_json_to({"type": "message", "conversation": channel_3a.pk, "body": body})
        error = await frames_until(lea, "error")
        await lea.disconnect()
        return error

    error = async_to_sync(scenario)()
    assert error["code"] == "invalid"
    assert str(BODY_MAX) in error["message"]
    assert not Message.objects.exists()


@pytest.mark.sdet("UTI-CCO-MIN-03", "UTI-CCO-MIN-05")
def test_a_private_message_to_somebody_outside_the_rules_gets_an_error_frame(world, ines):
    from ent.chat.actions import open_direct, set_approved_only

    conversation = open_direct(actor=world.cast.pupil, other=ines)
    # Inès then restricts incoming chats: Léa, who started, may no longer write to her.
    set_approved_only(actor=ines, approved_only=True)
    lea = communicator(world.cast.pupil)

    async def scenario() -> dict:
        await lea.connect()
        await frames_until(lea, "ready")
        await lea.send_json_to({"type": "message", "conversation": conversation.pk, "body": "?"})
        error = await frames_until(lea, "error")
        await lea.disconnect()
        return error

    error = async_to_sync(scenario)()
    assert error["code"] == "forbidden"
    assert "Inès Moreau" in error["message"]
    assert not Message.objects.exists()


@pytest.mark.sdet("UTI-CCO-MIN-04")
def test_status_and_presence_reach_the_other_members(world, ines, channel_3a):
    from ent.chat.actions import join_channel

    join_channel(actor=world.cast.pupil, conversation=channel_3a)
    join_channel(actor=ines, conversation=channel_3a)
    teacher, lea = communicator(world.cast.teacher), communicator(world.cast.pupil)

    async def scenario() -> list:
        await teacher.connect()
        await frames_until(teacher, "ready")
        await lea.connect()
        online = await frames_until(teacher, "presence")
        await frames_until(lea, "ready")
        await lea.send_json_to({"type": "status", "status": "BUSY"})
        busy = await frames_until(teacher, "presence")
        await lea.disconnect()
        offline = await frames_until(teacher, "presence")
        await teacher.disconnect()
        return [online, busy, offline]

    online, busy, offline = async_to_sync(scenario)()
    assert (online["person"], online["status"]) == (world.cast.pupil.pk, Status.AVAILABLE)
    assert busy["status"] == Status.BUSY
    assert offline["status"] == Status.OFFLINE
    profile = ChatProfile.objects.get(person=world.cast.pupil)
    assert (profile.status, profile.connections) == (Status.BUSY, 0)


@pytest.mark.sdet("UTI-CCO-MIN-06")
def test_outside_the_allowed_hours_the_socket_says_why_and_closes(world):
    set_access_policy(
        actor=world.cast.head,
        school=world.cast.school,
        profile=Profile.ELV,
        mode=Mode.HOURS,
        opens_at=dt.time(8),
        closes_at=dt.time(18),
    )
    lea = communicator(world.cast.pupil)

    async def scenario() -> tuple:
        connected = await lea.connect()
        error = await lea.receive_json_from()
        closing = await lea.receive_output()
        return connected, error, closing

    with time_machine.travel(dt.datetime(2025, 3, 11, 19, 0, tzinfo=PARIS), tick=True):
        connected, error, closing = async_to_sync(scenario)()
    assert connected[0] is True
    assert error["code"] == "closed"
    assert "08:00" in error["message"]
    assert "18:00" in error["message"]
    assert closing == {"type": "websocket.close", "code": FORBIDDEN}


@pytest.mark.sdet("UTI-CCO-MIN-06")
def test_the_hours_apply_to_each_message_of_an_open_socket(world, ines, channel_3a):
    set_access_policy(
        actor=world.cast.head,
        school=world.cast.school,
        profile=Profile.ELV,
        mode=Mode.HOURS,
        opens_at=dt.time(8),
        closes_at=dt.time(18),
    )
    lea = communicator(world.cast.pupil)

    async def scenario(traveller) -> tuple:
        await lea.connect()
        await frames_until(lea, "ready")
        traveller.move_to(dt.datetime(2025, 3, 11, 18, 1, tzinfo=PARIS))
        await lea.send_json_to({"type": "message", "conversation": channel_3a.pk, "body": "Hé"})
        error = await frames_until(lea, "error")
        closing = await lea.receive_output()
        return error, closing

    with time_machine.travel(dt.datetime(2025, 3, 11, 17, 59, tzinfo=PARIS), tick=True) as t:
        error, closing = async_to_sync(scenario)(t)
    assert error["code"] == "closed"
    assert closing["code"] == FORBIDDEN
    assert not Message.objects.exists()


def test_a_private_message_to_somebody_offline_becomes_a_notification(world, ines):
    from ent.chat.actions import open_direct

    conversation = open_direct(actor=world.cast.pupil, other=ines)
    lea = communicator(world.cast.pupil)

    async def scenario() -> None:
        await lea.connect()
        await frames_until(lea, "ready")
        await lea.send_json_to(
            {"type": "message", "conversation": conversation.pk, "body": "Coucou"}
        )
        await frames_until(lea, "message")
        await lea.disconnect()

    async_to_sync(scenario)()
    notice = Notification.objects.get(recipient=ines)
    assert notice.kind == "chat.private_message"
    assert "Léa" in notice.title
    assert not Notification.objects.filter(recipient=world.cast.pupil).exists()
