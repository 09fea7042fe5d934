"""Who sees whom and writes to whom; who sees which details (SOC-SEC-AUT, UTI-IDO-PBL)."""

from __future__ import annotations

import pytest

from ent.audit.models import AuditEvent
from ent.directory.models import Membership, Profile, Source, TeachingAssignment
from ent.rights.actions import GrantRefused, set_communication_rule, set_detail_visibility
from ent.rights.communication import (
    may_see,
    may_write_to,
    visible_details,
    visible_people,
)
from ent.rights.models import Audience, DetailAudience, DetailField

from .factories import guardian_of, new_class, new_school, person_in, pupil_in

pytestmark = pytest.mark.django_db


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_a_pupil_sees_classmates_teachers_family_and_staff_of_their_school_only(world):
    cast = world.cast
    classmate = pupil_in(cast.school_class, login="classmate")
    seen = set(visible_people(cast.pupil))
    assert {cast.pupil, classmate, cast.teacher, cast.guardian, cast.head, world.cpe} <= seen
    assert cast.school_admin in seen  # administrative staff
    assert world.tom not in seen  # another class
    assert cast.outsider not in seen
    assert world.martin not in seen


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_a_parent_sees_the_childs_teachers_head_teacher_and_staff_but_no_other_pupil(world):
    cast = world.cast
    other_teacher = person_in(cast.school, Profile.ENS, login="other.teacher")
    seen = set(visible_people(cast.guardian))
    assert {cast.pupil, cast.teacher, cast.head, world.cpe} <= seen
    assert world.tom not in seen
    assert other_teacher not in seen
    # Mme Dupont, mother of Martin in Y, sees Martin's school staff there, not its teachers
    # at large and none of its other pupils.
    y_pupil = pupil_in(world.class_6b, login="y.pupil")
    dupont_sees = set(visible_people(cast.teacher))
    assert world.martin in dupont_sees
    assert cast.outsider not in dupont_sees
    assert y_pupil not in dupont_sees


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_staff_see_their_school_and_a_multi_school_teacher_sees_each_school(world):
    cast = world.cast
    assert {world.tom, cast.pupil, cast.guardian} <= set(visible_people(world.cpe))
    assert cast.outsider not in set(visible_people(world.cpe))
    school_z = new_school()
    walker = person_in(school_z, Profile.ENS, login="multi.teacher")
    Membership.objects.create(
        person=walker, school=cast.school, profile=Profile.ENS, source=Source.MANUAL
    )
    jade = pupil_in(new_class(school=school_z), login="jade")
    assert {jade, world.tom, cast.pupil} <= set(visible_people(walker))
    assert not may_see(walker, cast.outsider)


@pytest.mark.sdet("UTI-CCO-CEL-05")
def test_a_pupil_writes_only_within_their_school(world):
    cast = world.cast
    assert may_write_to(cast.pupil, cast.teacher)
    assert not may_write_to(cast.pupil, cast.outsider)
    assert not may_write_to(cast.pupil, world.martin)


@pytest.mark.sdet("UTI-IDO-PBL-03")
def test_a_school_hides_teachers_from_pupils_without_touching_other_schools(world):
    cast = world.cast
    english = person_in(cast.school, Profile.ENS, login="english.teacher")
    TeachingAssignment.objects.create(teacher=english, school_class=cast.school_class)
    assert may_write_to(cast.pupil, english)
    with pytest.raises(GrantRefused):
        set_communication_rule(
            actor=cast.teacher,
            school=cast.school,
            viewer_profile=Profile.ELV,
            audience=Audience.TEACHERS,
            may_see=False,
            may_write=False,
        )
    set_communication_rule(
        actor=cast.head,
        school=cast.school,
        viewer_profile=Profile.ELV,
        audience=Audience.TEACHERS,
        may_see=True,
        may_write=False,
    )
    assert may_see(cast.pupil, english)
    assert not may_write_to(cast.pupil, english)
    assert may_write_to(cast.pupil, cast.teacher)  # still reached as the head teacher
    set_communication_rule(
        actor=cast.head,
        school=cast.school,
        viewer_profile=Profile.ELV,
        audience=Audience.HEAD_TEACHERS,
        may_see=False,
        may_write=False,
    )
    set_communication_rule(
        actor=cast.head,
        school=cast.school,
        viewer_profile=Profile.ELV,
        audience=Audience.TEACHERS,
        may_see=False,
        may_write=False,
    )
    assert not may_see(cast.pupil, cast.teacher)
    assert may_see(world.martin, cast.outsider) is False  # Y keeps its defaults
    y_teacher = person_in(cast.other_school, Profile.ENS, login="y.teacher")
    TeachingAssignment.objects.create(teacher=y_teacher, school_class=world.class_6b)
    assert may_see(world.martin, y_teacher)
    assert AuditEvent.objects.filter(action="rights.rule.set").count() == 3


@pytest.mark.sdet("UTI-IDO-PBL-03")
def test_a_project_rule_applies_everywhere_and_a_school_rule_wins_over_it(world):
    cast = world.cast
    set_communication_rule(
        actor=None,
        school=None,
        viewer_profile=Profile.ELV,
        audience=Audience.CLASSMATES,
        may_see=False,
        may_write=False,
    )
    classmate = pupil_in(cast.school_class, login="classmate")
    assert not may_see(cast.pupil, classmate)
    set_communication_rule(
        actor=None,
        school=cast.school,
        viewer_profile=Profile.ELV,
        audience=Audience.CLASSMATES,
        may_see=True,
        may_write=True,
    )
    assert may_see(cast.pupil, classmate)


def test_the_directory_costs_the_same_queries_whatever_the_number_of_schools(
    world, django_assert_num_queries
):
    cast = world.cast
    with django_assert_num_queries(4):
        first = len(list(visible_people(cast.teacher)))
    for _ in range(4):
        school = new_school()
        Membership.objects.create(
            person=cast.teacher, school=school, profile=Profile.ENS, source=Source.MANUAL
        )
        guardian_of(pupil_in(new_class(school=school)), cast.teacher)
    with django_assert_num_queries(4):
        assert len(list(visible_people(cast.teacher))) > first


@pytest.mark.sdet("UTI-IDO-PBL-04")
def test_each_person_chooses_which_details_others_see(world):
    cast = world.cast
    cast.pupil.email = "lea@example.org"
    cast.pupil.phone_mobile = "0600000000"
    cast.pupil.save()
    cast.teacher.email = "agnes@example.org"
    cast.teacher.phone_mobile = "0611111111"
    cast.teacher.save()
    # A pupil's personal data is hidden by default, even from staff.
    assert visible_details(cast.teacher, cast.pupil) == {}
    assert visible_details(cast.pupil, cast.teacher) == {"email": "agnes@example.org"}
    set_detail_visibility(
        actor=cast.teacher, field=DetailField.PHONE_MOBILE, audience=DetailAudience.STAFF
    )
    set_detail_visibility(
        actor=cast.teacher, field=DetailField.EMAIL, audience=DetailAudience.NOBODY
    )
    assert visible_details(cast.pupil, cast.teacher) == {}
    assert visible_details(world.cpe, cast.teacher) == {"phone_mobile": "0611111111"}
    assert visible_details(cast.outsider, cast.teacher) == {}
    assert visible_details(cast.teacher, cast.teacher)["email"] == "agnes@example.org"
    assert AuditEvent.objects.filter(action="rights.visibility.set").count() == 2
