"""Time-bounded delegation of one's own rights (SOC-SEC-AUT-03)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.models import Membership, Profile
from ent.rights.actions import (
    DelegationRefused,
    GrantRefused,
    delegate_rights,
    grant_service,
    revoke_delegation,
)
from ent.rights.queries import delegations_given, effective_rights, has_service
from ent.rights.registry import Level

pytestmark = [pytest.mark.django_db, pytest.mark.sdet("SOC-SEC-AUT-03")]


def test_a_head_lends_the_school_administration_for_a_window_end_excluded(world):
    cast = world.cast
    start = timezone.now() + timedelta(days=1)
    end = start + timedelta(days=7)
    delegation = delegate_rights(
        actor=cast.head,
        delegate=cast.teacher,
        school=cast.school,
        service="school_admin",
        starts_at=start,
        ends_at=end,
        reason="voyage scolaire",
    )
    assert not has_service(cast.teacher, "school_admin")
    with time_machine.travel(start, tick=False):
        assert has_service(cast.teacher, "school_admin", school=cast.school, level=Level.MANAGE)
        assert not has_service(cast.teacher, "school_admin", school=cast.other_school)
        assert effective_rights(cast.teacher).via("school_admin") == {"delegation"}
        # The delegate may now do what the head does in the school, and only there.
        grant_service(
            actor=cast.teacher, service="test_lesson_log", person=world.cpe, school=cast.school
        )
        with pytest.raises(GrantRefused):
            grant_service(
                actor=cast.teacher,
                service="test_lesson_log",
                person=world.cpe,
                school=cast.other_school,
            )
    with time_machine.travel(end, tick=False):
        assert not has_service(cast.teacher, "school_admin")
    event = AuditEvent.objects.get(action="rights.delegation.grant")
    assert event.actor_label == "marc.bernard"
    assert event.data["delegate"] == "agnes.dupont"
    assert list(delegations_given(cast.head)) == [delegation]


def test_nobody_delegates_more_than_they_hold(world):
    cast = world.cast
    with pytest.raises(DelegationRefused):
        delegate_rights(
            actor=cast.teacher, delegate=cast.pupil, school=cast.school, service="school_admin"
        )
    with pytest.raises(DelegationRefused):
        delegate_rights(
            actor=cast.head,
            delegate=cast.teacher,
            school=cast.other_school,
            service="school_admin",
        )
    with pytest.raises(DelegationRefused):
        # The teacher uses the lesson log but does not manage it.
        delegate_rights(
            actor=cast.teacher,
            delegate=world.cpe,
            school=cast.school,
            service="test_lesson_log",
            level=Level.MANAGE,
        )
    refused = AuditEvent.objects.filter(action="rights.delegation.grant", outcome="FAILURE")
    assert refused.count() == 3


def test_a_delegate_cannot_pass_the_delegation_on(world):
    cast = world.cast
    delegate_rights(
        actor=cast.head, delegate=cast.teacher, school=cast.school, service="school_admin"
    )
    with pytest.raises(DelegationRefused):
        delegate_rights(
            actor=cast.teacher, delegate=world.cpe, school=cast.school, service="school_admin"
        )


def test_a_delegation_lapses_when_its_delegator_loses_the_right(world, django_assert_num_queries):
    cast = world.cast
    delegate_rights(
        actor=cast.head, delegate=cast.teacher, school=cast.school, service="school_admin"
    )
    with django_assert_num_queries(9):
        assert effective_rights(cast.teacher).has("school_admin", school=cast.school)
    Membership.objects.filter(person=cast.head, profile=Profile.DIR).delete()
    assert not has_service(cast.teacher, "school_admin")


def test_the_delegator_or_the_school_revokes_a_delegation_and_the_delegate_cannot(world):
    cast = world.cast
    delegation = delegate_rights(
        actor=cast.head, delegate=cast.teacher, school=cast.school, service="school_admin"
    )
    with pytest.raises(DelegationRefused):
        revoke_delegation(actor=cast.outsider, delegation=delegation)
    revoke_delegation(actor=cast.school_admin, delegation=delegation)
    assert not has_service(cast.teacher, "school_admin")
    assert AuditEvent.objects.filter(action="rights.delegation.revoke").count() == 1
