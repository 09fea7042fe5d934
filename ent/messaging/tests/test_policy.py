"""External mail policy per profile, class, group and person (UTI-CCO-CEL-05, -06)."""

from __future__ import annotations

import pytest

from ent.directory.models import Enrolment, Profile, TeachingGroup
from ent.messaging import actions, policy
from ent.messaging.actions import MailRefused
from ent.messaging.models import Delivery, DeliveryStatus, Message

from .factories import box, send

pytestmark = pytest.mark.django_db

FROM_OUTSIDE = (
    b"From: Someone <someone@example.org>\r\nTo: lea.petit@ent.localhost\r\n"
    b"Subject: Hello\r\n\r\nHello Lea.\r\n"
)


@pytest.fixture
def pupils_internal(world):
    """The head sets the pupil profile of the school to internal mail only (scenario 3)."""
    return actions.set_external_policy(
        actor=world.cast.head, school=world.cast.school, profile=Profile.ELV, internal_only=True
    )


@pytest.fixture
def spanish(world, pupils_internal):
    """Léa is in the group 4B-LV2-Espagnol, which may write to a partner school (scenario 4)."""
    group = TeachingGroup.objects.create(school=world.cast.school, code="4B-LV2-Espagnol")
    Enrolment.objects.create(pupil=world.cast.pupil, teaching_group=group)
    actions.set_external_policy(
        actor=world.cast.head,
        school=world.cast.school,
        teaching_group=group,
        internal_only=False,
        allowed=["ac-exemple.fr", "Corres@Partenaire.es"],
    )
    return group


@pytest.mark.sdet("UTI-CCO-CEL-05")
def test_pupils_confined_to_internal_mail(world, pupils_internal, delivered, relay):
    lea, teacher = world.cast.pupil, world.cast.teacher
    with delivered():
        send(lea, teacher, subject="Question")
    assert [e.message.subject for e in box(teacher)] == ["Question"]
    before = Message.objects.count()
    with pytest.raises(MailRefused) as refused, delivered():
        send(lea, "someone@example.org")
    assert "inside the ENT" in refused.value.reasons["someone@example.org"]
    assert Message.objects.count() == before
    outcome = actions.receive_external(
        raw=FROM_OUTSIDE,
        envelope_from="someone@example.org",
        recipients=["lea.petit@ent.localhost"],
    )
    assert "inside the ENT only" in str(outcome["lea.petit@ent.localhost"])
    assert box(lea) == []
    # The teacher is not restricted.
    with delivered():
        message = send(teacher, "someone@example.org")
    assert Delivery.objects.get(message=message).status == DeliveryStatus.RELAYED
    assert relay.received[0][1] == ["someone@example.org"]
    # Nothing of Léa's ever reached the relay.
    assert len(relay.received) == 1


@pytest.mark.sdet("UTI-CCO-CEL-06")
def test_a_groups_whitelist_opens_chosen_domains_and_addresses_to_its_members(world, spanish):
    lea, tom = world.cast.pupil, world.tom
    assert policy.check_outgoing(lea, "prof@ac-exemple.fr") is None
    assert policy.check_outgoing(lea, "prof@lycee.ac-exemple.fr") is None
    assert policy.check_outgoing(lea, "corres@partenaire.es") is None
    assert policy.check_outgoing(lea, "other@partenaire.es") is not None
    assert policy.check_outgoing(tom, "corres@partenaire.es") is not None
    with pytest.raises(MailRefused) as refused:
        send(lea, "corres@partenaire.es", "other@partenaire.es")
    assert list(refused.value.reasons) == ["other@partenaire.es"]
    # At reception too: the partner may write to Léa, a stranger may not.
    assert policy.check_incoming_external(lea, "corres@partenaire.es") is None
    assert policy.check_incoming_external(lea, "other@partenaire.es") is not None
    assert policy.check_incoming_external(tom, "corres@partenaire.es") is not None


@pytest.mark.sdet("UTI-CCO-CEL-06")
def test_a_rule_for_one_person_or_class_reaches_only_them(world, pupils_internal):
    actions.set_external_policy(
        actor=world.cast.head,
        school=world.cast.school,
        person=world.tom,
        internal_only=False,
        allowed=["musee.fr"],
    )
    actions.set_external_policy(
        actor=world.cast.head,
        school=world.cast.school,
        school_class=world.class_3a,
        internal_only=False,
        allowed=["mairie.fr"],
    )
    assert policy.check_outgoing(world.tom, "visites@musee.fr") is None
    assert policy.check_outgoing(world.cast.pupil, "visites@musee.fr") is not None
    assert policy.check_outgoing(world.cast.pupil, "accueil@mairie.fr") is None
    # Lifting the profile rule frees every pupil again.
    actions.set_external_policy(
        actor=world.cast.head, school=world.cast.school, profile=Profile.ELV, internal_only=False
    )
    assert policy.check_outgoing(world.tom, "ami@example.org") is None
