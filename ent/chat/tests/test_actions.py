"""The chat's actions: channels by rights, private conversations within the rules, contacts,
access hours, moderation; each refusal stores nothing and says why."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ent.chat import actions
from ent.chat.models import BODY_MAX, Conversation, Kind, Message, Mode
from ent.chat.queries import conversations_of, joinable_channels, members_of
from ent.directory.models import Profile
from ent.moderation.actions import decide, report

PARIS = ZoneInfo("Europe/Paris")


def says(msgid: str, **values: object) -> str:
    """The pattern of a refusal, in the language the actions speak."""
    return re.escape(_(msgid) % values if values else _(msgid))


@pytest.mark.sdet("UTI-CCO-MIN-02")
def test_a_teacher_opens_the_channel_of_her_class_and_its_pupils_find_it(world, ines):
    channel = actions.open_channel(
        actor=world.cast.teacher, school=world.cast.school, division=world.class_3a
    )
    assert channel.kind == Kind.CLASS
    assert channel.name == "3eA"
    assert list(joinable_channels(world.cast.pupil)) == [channel]
    assert not joinable_channels(world.tom).exists()
    names = {member.person.display_name for member in members_of(channel)}
    assert {"Léa Petit", "Inès Moreau", "Agnès Dupont"} <= names
    actions.join_channel(actor=world.cast.pupil, conversation=channel)
    assert [row.conversation for row in conversations_of(world.cast.pupil)] == [channel]


@pytest.mark.sdet("UTI-CCO-MIN-02")
def test_a_pupil_may_not_open_a_channel_nor_a_teacher_one_for_a_class_she_does_not_teach(world):
    with pytest.raises(PermissionDenied):
        actions.open_channel(actor=world.cast.pupil, school=world.cast.school, name="Foot")
    with pytest.raises(PermissionDenied):
        actions.open_channel(
            actor=world.cast.teacher, school=world.cast.school, division=world.class_5c
        )
    assert not Conversation.objects.exists()


def test_a_class_has_one_channel_only(world, channel_3a):
    with pytest.raises(ValidationError, match=says("This class or group already has its channel.")):
        actions.open_channel(
            actor=world.cast.head, school=world.cast.school, division=world.class_3a
        )


@pytest.mark.sdet("UTI-CCO-MIN-02")
def test_a_topic_channel_gathers_its_chosen_members_and_its_creator_deletes_it(world, ines):
    club = actions.open_channel(
        actor=world.cast.teacher, school=world.cast.school, name="Club échecs", members=[ines]
    )
    assert Conversation.objects.visible_to(ines).filter(pk=club.pk).exists()
    assert not Conversation.objects.visible_to(world.cast.pupil).filter(pk=club.pk).exists()
    actions.add_members(actor=world.cast.teacher, conversation=club, people=[world.cast.pupil])
    assert Conversation.objects.visible_to(world.cast.pupil).filter(pk=club.pk).exists()
    actions.rename_channel(actor=world.cast.teacher, conversation=club, name="Club d'échecs")
    with pytest.raises(PermissionDenied):
        actions.delete_channel(actor=ines, conversation=club)
    actions.delete_channel(actor=world.cast.teacher, conversation=club)
    assert not Conversation.objects.visible_to(ines).exists()


def test_a_topic_member_outside_the_rules_is_refused(world):
    with pytest.raises(PermissionDenied, match="Yves Autre"):
        actions.open_channel(
            actor=world.cast.teacher,
            school=world.cast.school,
            name="Inter-collèges",
            members=[world.cast.outsider],
        )
    assert not Conversation.objects.exists()


@pytest.mark.sdet("UTI-CCO-MIN-03")
def test_a_private_conversation_opens_once_per_pair_within_the_rules(world, ines):
    first = actions.open_direct(actor=world.cast.pupil, other=ines)
    again = actions.open_direct(actor=ines, other=world.cast.pupil)
    assert first == again
    actions.post_message(actor=ines, conversation=first, body="Tu as fini l'exercice ?")
    with pytest.raises(PermissionDenied, match="Yves Autre"):
        actions.open_direct(actor=world.cast.pupil, other=world.cast.outsider)
    assert Conversation.objects.filter(kind=Kind.DIRECT).count() == 1


@pytest.mark.sdet("UTI-CCO-MIN-05")
def test_only_approved_contacts_start_a_chat_but_anyone_may_answer(world, ines):
    teacher = world.cast.teacher
    actions.set_approved_only(actor=teacher, approved_only=True)
    with pytest.raises(PermissionDenied, match="Agnès Dupont"):
        actions.open_direct(actor=ines, other=teacher)
    actions.approve_contact(actor=teacher, contact=ines)
    assert actions.open_direct(actor=ines, other=teacher)
    # Léa is not approved, but may answer when the teacher wrote first.
    conversation = actions.open_direct(actor=teacher, other=world.cast.pupil)
    actions.post_message(actor=teacher, conversation=conversation, body="Léa, viens me voir.")
    assert actions.post_message(actor=world.cast.pupil, conversation=conversation, body="Oui")
    actions.remove_contact(actor=teacher, contact=ines)
    with pytest.raises(PermissionDenied, match="Agnès Dupont"):
        actions.open_direct(actor=ines, other=teacher)


def test_empty_and_oversized_messages_are_refused(world, channel_3a):
    with pytest.raises(ValidationError, match=says("Write a message first.")):
        actions.post_message(actor=world.cast.pupil, conversation=channel_3a, body="   ")
    with pytest.raises(ValidationError, match=str(BODY_MAX)):
        actions.post_message(
            actor=world.cast.pupil, conversation=channel_3a, body="a" * (BODY_MAX + 1)
        )
    assert not Message.objects.exists()


@pytest.mark.sdet("UTI-CCO-MIN-06")
def test_access_hours_forbidden_profiles_and_windows_across_midnight(world):
    head, school = world.cast.head, world.cast.school
    actions.set_access_policy(
        actor=head,
        school=school,
        profile=Profile.ELV,
        mode=Mode.HOURS,
        opens_at=dt.time(8),
        closes_at=dt.time(18),
    )
    actions.set_access_policy(actor=head, school=school, profile=Profile.TUT, mode=Mode.FORBIDDEN)
    with time_machine.travel(dt.datetime(2025, 3, 11, 10, tzinfo=PARIS)):
        actions.ensure_open(world.cast.pupil)
        with pytest.raises(
            actions.ChatClosed,
            match=says(
                "Instant messaging is closed to %(profile)s in this school.",
                profile=Profile.TUT.label,
            ),
        ):
            actions.ensure_open(world.cast.guardian)
    with time_machine.travel(dt.datetime(2025, 3, 11, 18, tzinfo=PARIS)):
        with pytest.raises(actions.ChatClosed, match=r"08:00.*18:00"):
            actions.ensure_open(world.cast.pupil)
        actions.ensure_open(world.cast.teacher)
    actions.set_access_policy(
        actor=head,
        school=school,
        profile=Profile.ELV,
        mode=Mode.HOURS,
        opens_at=dt.time(20),
        closes_at=dt.time(6),
    )
    with time_machine.travel(dt.datetime(2025, 3, 11, 23, tzinfo=PARIS)):
        actions.ensure_open(world.cast.pupil)


def test_only_the_schools_chat_managers_set_the_rules_and_hours_must_make_sense(world):
    with pytest.raises(PermissionDenied):
        actions.set_access_policy(
            actor=world.cast.teacher, school=world.cast.school, profile="ELV", mode=Mode.FORBIDDEN
        )
    with pytest.raises(PermissionDenied):
        actions.set_access_policy(
            actor=world.cast.head, school=world.cast.other_school, profile="ELV", mode="FORBIDDEN"
        )
    for profile, mode in (("XYZ", "OPEN"), ("ELV", "SOMETIMES")):
        with pytest.raises(ValidationError):
            actions.set_access_policy(
                actor=world.cast.head, school=world.cast.school, profile=profile, mode=mode
            )
    with pytest.raises(
        ValidationError, match=says("Give two different hours: when the chat opens and closes.")
    ):
        actions.set_access_policy(
            actor=world.cast.head, school=world.cast.school, profile="ELV", mode=Mode.HOURS
        )


def test_status_must_be_one_of_the_list(world):
    with pytest.raises(ValidationError):
        actions.set_status(actor=world.cast.pupil, status="SLEEPING")
    assert actions.set_status(actor=world.cast.pupil, status="AWAY").status == "AWAY"


def test_a_reported_message_is_hidden_by_the_teacher_of_the_class(world, ines, channel_3a):
    message = actions.post_message(actor=ines, conversation=channel_3a, body="Message déplacé")
    filed = report(
        actor=world.cast.pupil, kind="chat.message", object_id=message.pk, reason="Insulte"
    )
    with pytest.raises(PermissionDenied):
        decide(actor=ines, report=filed, decision="hide")
    decide(actor=world.cast.teacher, report=filed, decision="hide")
    assert not Message.objects.visible_to(world.cast.pupil).exists()
    with pytest.raises(LookupError):
        report(actor=world.tom, kind="chat.message", object_id=message.pk, reason="?")


def test_a_purged_person_leaves_their_messages_without_a_name(world, ines, channel_3a):
    actions.post_message(actor=ines, conversation=channel_3a, body="Bonjour")
    actions.set_approved_only(actor=ines, approved_only=True)
    actions.purge_person(ines)
    assert Message.objects.get().body == "Bonjour"
    from ent.chat.models import ChatProfile

    assert not ChatProfile.objects.filter(person=ines).exists()
