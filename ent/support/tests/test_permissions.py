"""Who reads and who writes a ticket (SOC-SUP-ASU-02, -04): the author, the school's référents,
the operators (level 2), and the project owner, read-only."""

from __future__ import annotations

import pytest

from ent.directory.models import Profile
from ent.rights.actions import grant_service
from ent.rights.registry import Level
from ent.support.actions import escalate_ticket
from ent.support.models import Ticket
from ent.support.permissions import (
    can_acknowledge_ticket,
    can_close_ticket,
    can_comment_ticket,
    can_escalate_ticket,
    can_open_ticket,
    can_reopen_ticket,
    can_resolve_ticket,
    is_referent,
)

from .factories import new_ticket, person_in

pytestmark = pytest.mark.django_db


def _visible(person):
    return set(Ticket.objects.visible_to(person).values_list("pk", flat=True))


@pytest.mark.sdet("SOC-SUP-ASU-02")
def test_a_ticket_is_visible_to_its_author_the_referents_and_operators_only(
    cast, grants, ticket, op, officer
):
    other = new_ticket(cast, author=cast.teacher)
    assert _visible(cast.pupil) == {ticket.pk}
    assert _visible(cast.teacher) == {other.pk}
    assert _visible(cast.head) == _visible(cast.school_admin) == {ticket.pk, other.pk}
    assert _visible(op) == {ticket.pk, other.pk}
    assert _visible(officer) == {ticket.pk, other.pk}
    for stranger in (cast.guardian, cast.outsider):
        assert _visible(stranger) == set()


def test_an_anonymous_or_deactivated_person_sees_nothing(cast, grants, ticket):
    from django.contrib.auth.models import AnonymousUser

    assert not Ticket.objects.visible_to(AnonymousUser()).exists()
    cast.pupil.is_active = False
    cast.pupil.save(update_fields=["is_active"])
    assert _visible(cast.pupil) == set()


def test_the_referent_of_another_school_does_not_see_this_one(cast, grants, ticket):
    assert _visible(person_in(cast.other_school, Profile.DIR)) == set()


def test_an_author_whose_support_grant_is_gone_no_longer_reads_their_tickets(cast, ticket):
    # Without the default grants nobody holds "support": the author's clause needs it.
    from ent.rights.actions import revoke_grant
    from ent.rights.models import ServiceGrant

    for grant in ServiceGrant.objects.filter(service="support"):
        revoke_grant(actor=None, grant=grant)
    assert _visible(cast.pupil) == set()


@pytest.mark.sdet("SOC-SUP-ASU-04")
def test_oversight_granted_in_one_school_reads_only_that_school(cast, grants, ticket):
    inspector = person_in(cast.other_school, Profile.ENS)
    grant_service(
        actor=None, service="support_oversight", person=inspector, school=cast.other_school
    )
    assert _visible(inspector) == set()
    grant_service(actor=None, service="support_oversight", person=inspector, school=cast.school)
    assert _visible(inspector) == {ticket.pk}
    assert not can_comment_ticket(inspector, ticket)


def test_referents_are_the_holders_of_support_at_manage(cast, grants):
    assert is_referent(cast.head, cast.school.pk)
    assert is_referent(cast.school_admin, cast.school.pk)
    assert not is_referent(cast.teacher, cast.school.pk)
    assert not is_referent(cast.head, cast.other_school.pk)
    grant_service(
        actor=None, service="support", person=cast.teacher, school=cast.school, level=Level.MANAGE
    )
    assert is_referent(cast.teacher, cast.school.pk)


def test_the_predicates_follow_the_status(cast, grants, ticket, op):
    assert can_open_ticket(cast.pupil, cast.school)
    assert not can_open_ticket(cast.pupil, cast.other_school)
    assert can_acknowledge_ticket(cast.head, ticket)
    assert can_escalate_ticket(cast.head, ticket)
    assert can_resolve_ticket(cast.head, ticket)
    assert can_close_ticket(cast.pupil, ticket)
    assert not can_reopen_ticket(cast.pupil, ticket)
    escalate_ticket(actor=cast.head, ticket=ticket)
    ticket.refresh_from_db()
    assert not can_acknowledge_ticket(op, ticket)
    assert not can_escalate_ticket(cast.head, ticket)
    assert not can_resolve_ticket(cast.head, ticket)
    assert can_resolve_ticket(op, ticket)
    assert can_comment_ticket(cast.head, ticket)


def test_an_anonymous_or_deactivated_actor_may_do_nothing(cast, grants, ticket):
    from django.contrib.auth.models import AnonymousUser

    cast.head.is_active = False
    for actor in (AnonymousUser(), cast.head):
        assert not is_referent(actor, cast.school.pk)
        assert not can_open_ticket(actor, cast.school)
        assert not can_acknowledge_ticket(actor, ticket)
        assert not can_comment_ticket(actor, ticket)
        assert not can_close_ticket(actor, ticket)
