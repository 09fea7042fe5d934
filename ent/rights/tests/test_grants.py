"""The central decision (SOC-SEC-AUT-01), rights from roles (-02) and their life (-03)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.models import Guardianship, Membership, Profile, TeachingAssignment
from ent.rights.actions import (
    GrantRefused,
    change_grant,
    grant_service,
    install_default_grants,
    resume_grant,
    revoke_grant,
    suspend_grant,
)
from ent.rights.models import ServiceGrant
from ent.rights.queries import (
    effective_rights,
    has_service,
    schools_for,
    services_for,
)
from ent.rights.registry import Level

from .factories import new_class, new_group, new_school, person_in, pupil_in

pytestmark = pytest.mark.django_db


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-02")
def test_teacher_who_is_a_parent_writes_in_her_school_and_only_reads_in_her_childs(world):
    dupont, x, y = world.cast.teacher, world.cast.school, world.cast.other_school
    log = "test_lesson_log"
    assert has_service(dupont, log, school=x, level=Level.USE)
    assert has_service(dupont, log, school=y, level=Level.READ)
    assert not has_service(dupont, log, school=y, level=Level.USE)
    assert not has_service(dupont, log, school=x, level=Level.MANAGE)
    rights = effective_rights(dupont)
    assert rights.via(log, school=x) == {Profile.ENS}
    assert rights.via(log, school=y) == {Profile.TUT}
    assert set(schools_for(dupont, log)) == {x, y}
    assert list(schools_for(dupont, log, level=Level.USE)) == [x]


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_outsider_gets_nothing_in_a_school_they_have_no_link_with(world):
    outsider, x = world.cast.outsider, world.cast.school
    assert has_service(outsider, "test_lesson_log", school=world.cast.other_school)
    assert not has_service(outsider, "test_lesson_log", school=x)
    assert not has_service(world.cast.pupil, "test_lesson_log", school=world.cast.other_school)


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_guardian_without_legal_authority_has_no_guardian_rights_in_the_childs_school(world):
    host = person_in(new_school(), Profile.ENS, login="host.family")
    Guardianship.objects.create(
        pupil=world.martin, guardian=host, guardian_key="host", has_legal_authority=False
    )
    assert not has_service(host, "test_lesson_log", school=world.cast.other_school)


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-03")
def test_a_grant_applies_on_the_next_call_and_a_revocation_too(cast, lesson_log):
    assert not has_service(cast.outsider, lesson_log)
    grant = grant_service(actor=None, service=lesson_log, person=cast.outsider)
    assert has_service(cast.outsider, lesson_log)
    revoke_grant(actor=None, grant=grant)
    assert not has_service(cast.outsider, lesson_log)


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_a_suspended_grant_stops_applying_until_it_is_resumed(cast, lesson_log):
    grant = grant_service(actor=None, service=lesson_log, profile=Profile.ENS, school=cast.school)
    assert has_service(cast.teacher, lesson_log, school=cast.school)
    suspend_grant(actor=None, grant=grant)
    assert not has_service(cast.teacher, lesson_log)
    resume_grant(actor=None, grant=grant)
    assert has_service(cast.teacher, lesson_log, school=cast.school)


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_an_inspectors_read_access_holds_from_date_to_date_end_excluded(cast, lesson_log):
    start = timezone.now() + timedelta(days=2)
    end = start + timedelta(days=3)
    inspector = person_in(new_school(kind="SERVICE"), Profile.ACA, login="m.henry")
    grant_service(
        actor=None,
        service=lesson_log,
        level=Level.READ,
        person=inspector,
        school=cast.school,
        starts_at=start,
        ends_at=end,
    )
    assert not has_service(inspector, lesson_log, school=cast.school)
    assert has_service(inspector, lesson_log, school=cast.school, at=start)
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        assert has_service(inspector, lesson_log, school=cast.school)
        assert not has_service(inspector, lesson_log, school=cast.school, level=Level.USE)
        assert not has_service(inspector, lesson_log, school=cast.other_school)
    with time_machine.travel(end, tick=False):
        assert not has_service(inspector, lesson_log, school=cast.school)


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_changing_a_grant_changes_its_level_and_window(cast, lesson_log):
    grant = grant_service(actor=None, service=lesson_log, person=cast.outsider)
    change_grant(actor=None, grant=grant, level=Level.MANAGE)
    assert has_service(cast.outsider, lesson_log, level=Level.MANAGE)
    change_grant(actor=None, grant=grant, ends_at=timezone.now() - timedelta(seconds=1))
    assert not has_service(cast.outsider, lesson_log)
    now = timezone.now()
    with pytest.raises(ValidationError):
        change_grant(actor=None, grant=grant, starts_at=now, ends_at=now)


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_grants_to_a_function_a_class_and_a_group_reach_their_members_in_their_school(
    cast, lesson_log
):
    librarian = person_in(cast.school, Profile.DOC, login="cdi.person")
    Membership.objects.filter(person=librarian).update(
        functions=[{"code": "DOC", "label": "DOCUMENTATION"}]
    )
    grant_service(actor=None, service=lesson_log, function="DOC")
    assert effective_rights(librarian).via(lesson_log, school=cast.school) == {"function:DOC"}
    assert not has_service(cast.teacher, lesson_log)

    pupil = pupil_in(cast.school_class)
    grant_service(actor=None, service="school_admin", school_class=cast.school_class)
    assert has_service(pupil, "school_admin", school=cast.school)
    assert not has_service(pupil, "school_admin", school=cast.other_school)

    group = new_group(school=cast.school)
    TeachingAssignment.objects.create(teacher=cast.teacher, teaching_group=group)
    grant_service(actor=None, service=lesson_log, teaching_group=group, level=Level.MANAGE)
    assert has_service(cast.teacher, lesson_log, school=cast.school, level=Level.MANAGE)
    assert not has_service(cast.outsider, lesson_log)


def test_a_class_grant_names_the_school_of_its_class(cast, lesson_log):
    with pytest.raises(ValidationError):
        grant_service(
            actor=None,
            service=lesson_log,
            school_class=cast.school_class,
            school=cast.other_school,
        )
    with pytest.raises(ValidationError):
        grant_service(actor=None, service="no_such_service", profile=Profile.ENS)
    with pytest.raises(ValidationError):
        grant_service(actor=None, service=lesson_log, profile=Profile.ENS, person=cast.pupil)


@pytest.mark.sdet("SOC-SEC-AUT-01")
def test_rights_cost_the_same_queries_whatever_the_number_of_memberships_and_grants(
    world, django_assert_num_queries
):
    dupont = world.cast.teacher
    with django_assert_num_queries(5):
        effective_rights(dupont)
    for index in range(6):
        school = new_school()
        Membership.objects.create(
            person=dupont, school=school, profile=Profile.ENS, source="MANUAL"
        )
        school_class = new_class(school=school)
        TeachingAssignment.objects.create(teacher=dupont, school_class=school_class)
        grant_service(actor=None, service="test_lesson_log", school_class=school_class)
        grant_service(actor=None, service="school_admin", profile=Profile.ENS, school=school)
        grant_service(actor=None, service="test_lesson_log", person=dupont, level=10 + index % 3)
    with django_assert_num_queries(5):
        rights = effective_rights(dupont)
    schools = Membership.objects.filter(person=dupont).values_list("school_id", flat=True)
    assert rights.school_ids("school_admin") == set(schools) - {world.cast.school.pk}


def test_an_inactive_person_has_no_rights(world):
    world.cast.teacher.is_active = False
    assert not has_service(world.cast.teacher, "test_lesson_log")


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_default_grants_install_once_and_a_revoked_default_stays_revoked(cast, lesson_log):
    created = install_default_grants(actor=None)
    assert created >= 6  # four for the test service, two for school administration
    assert has_service(cast.pupil, lesson_log, school=cast.school, level=Level.USE)
    default = ServiceGrant.objects.get(service=lesson_log, profile=Profile.ELV)
    revoke_grant(actor=None, grant=default)
    assert install_default_grants(actor=None) == 0
    assert not has_service(cast.pupil, lesson_log)


def test_the_launcher_lists_only_the_declared_services_a_person_may_open(world):
    grant_service(actor=None, service="test_lesson_log", person=world.cast.pupil)
    ServiceGrant.objects.create(service="undeclared", profile=Profile.ELV)
    services = {access.code: access for access in services_for(world.cast.pupil)}
    assert "test_lesson_log" in services
    assert "undeclared" not in services
    assert "school_admin" not in services
    assert services["test_lesson_log"].school_ids is None  # the person grant holds everywhere
    head = {access.code: access for access in services_for(world.cast.head, world.cast.school)}
    assert head["school_admin"].level == Level.MANAGE
    assert head["school_admin"].school_ids == frozenset({world.cast.school.pk})
    assert services_for(world.cast.head, world.cast.other_school) == []


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_only_the_schools_administrators_grant_in_their_school(world):
    cast = world.cast
    with pytest.raises(GrantRefused):
        grant_service(actor=cast.teacher, service="test_lesson_log", person=cast.outsider)
    grant_service(actor=cast.head, service="test_lesson_log", person=world.cpe, school=cast.school)
    with pytest.raises(GrantRefused):
        grant_service(
            actor=cast.head, service="test_lesson_log", person=world.cpe, school=cast.other_school
        )
    with pytest.raises(GrantRefused):
        grant_service(actor=cast.head, service="test_lesson_log", profile=Profile.EVS)
    cast.outsider.is_staff = True
    grant_service(actor=cast.outsider, service="test_lesson_log", profile=Profile.EVS)
    assert has_service(world.cpe, "test_lesson_log", school=cast.school)


@pytest.mark.sdet("SOC-SEC-AUT-03")
def test_every_change_of_a_grant_is_audited_with_its_actor(cast, defaults):
    grant = grant_service(actor=cast.head, service=defaults, person=cast.pupil, school=cast.school)
    change_grant(actor=cast.head, grant=grant, level=Level.MANAGE)
    suspend_grant(actor=cast.head, grant=grant)
    resume_grant(actor=cast.head, grant=grant)
    revoke_grant(actor=cast.head, grant=grant)
    actions = list(
        AuditEvent.objects.filter(target_id=str(grant.pk), target_type="rights.servicegrant")
        .order_by("pk")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("rights.grant.add", "marc.bernard"),
        ("rights.grant.change", "marc.bernard"),
        ("rights.grant.suspend", "marc.bernard"),
        ("rights.grant.resume", "marc.bernard"),
        ("rights.grant.revoke", "marc.bernard"),
    ]
