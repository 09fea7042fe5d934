"""Who finds whom in the white pages, by which criteria, and which details they read."""

from __future__ import annotations

import pytest

from ent.addressbook import queries
from ent.addressbook.queries import Criteria, directory_scope, search_people
from ent.directory.models import Enrolment, Profile, Subject, TeachingAssignment
from ent.rights.actions import (
    grant_service,
    revoke_grant,
    set_communication_rule,
    set_detail_visibility,
)
from ent.rights.communication import visible_details, visible_details_many, visible_people
from ent.rights.models import Audience, DetailAudience, ServiceGrant
from ent.rights.tests.factories import new_group, new_school, person_in, pupil_in

from .factories import populate

pytestmark = pytest.mark.django_db


def found(viewer, **criteria):
    return list(search_people(directory_scope(viewer), Criteria(**criteria)))


@pytest.mark.sdet("UTI-IDO-PBL-01", "SOC-SEC-AUT-02")
def test_a_pupil_finds_her_class_her_teachers_her_family_and_the_staff_only(world):
    cast = world.cast
    classmate = pupil_in(cast.school_class, first_name="Zoé")
    people = set(found(cast.pupil))
    assert {cast.pupil, classmate, cast.teacher, cast.guardian, cast.head, world.cpe} <= people
    assert cast.school_admin in people
    assert world.tom not in people  # 5eC: not her class
    assert cast.outsider not in people
    assert world.martin not in people


@pytest.mark.sdet("UTI-IDO-PBL-01", "SOC-SEC-AUT-02")
def test_a_parent_finds_the_childs_teachers_and_the_staff_but_no_other_pupil(world):
    cast = world.cast
    people = set(found(cast.guardian))
    assert {cast.pupil, cast.teacher, cast.head, world.cpe} <= people
    assert world.tom not in people
    assert cast.outsider not in people


@pytest.mark.sdet("UTI-IDO-PBL-01", "SOC-SEC-AUT-02")
def test_staff_find_their_school_and_an_outsider_finds_none_of_it(world):
    cast = world.cast
    assert {world.tom, cast.pupil, cast.guardian, cast.head} <= set(found(world.cpe))
    assert cast.outsider not in found(world.cpe)
    assert set(found(cast.outsider)).isdisjoint({cast.pupil, cast.teacher, world.tom})


@pytest.mark.sdet("UTI-IDO-PBL-01", "SOC-SEC-AUT-02")
def test_a_multi_school_teacher_finds_each_school_and_filters_by_one(world):
    cast = world.cast
    school_z = new_school(name="École Z")
    populate(school_z, teacher=cast.teacher, pupils=2)
    scope = directory_scope(cast.teacher)
    assert {school.pk for school in scope.schools} >= {cast.school.pk, school_z.pk}
    in_z = set(found(cast.teacher, school=school_z.pk))
    assert len(in_z) == 4  # two pupils, a colleague and herself
    assert world.tom not in in_z
    assert world.tom in found(cast.teacher, school=cast.school.pk)


@pytest.mark.sdet("SOC-SEC-AUT-02")
def test_a_role_without_the_service_opens_nobody_in_its_school(world):
    cast = world.cast
    TeachingAssignment.objects.create(teacher=cast.outsider, school_class=world.class_6b)
    assert cast.outsider in found(cast.teacher)  # Martin's teacher, through her guardian role
    for grant in ServiceGrant.objects.filter(service="addressbook", profile=Profile.TUT):
        revoke_grant(actor=None, grant=grant)
    people = set(found(cast.teacher))
    assert cast.outsider not in people
    assert world.martin in people  # her son stays
    assert world.tom in people  # her own school as a teacher
    assert cast.outsider in visible_people(cast.teacher)  # the rules alone would show him
    grant_service(actor=None, service="addressbook", person=cast.teacher)  # everywhere
    assert cast.outsider in found(cast.teacher)


@pytest.mark.sdet("UTI-IDO-PBL-06")
def test_the_search_combines_name_class_group_subject_and_profile(world):
    cast = world.cast
    subject = Subject.objects.create(code="HG", label="Histoire-géographie")
    TeachingAssignment.objects.filter(subject_code="HG").update(subject=subject)
    group = new_group(school=cast.school)
    Enrolment.objects.create(pupil=world.tom, teaching_group=group)
    viewer = world.cpe
    assert found(viewer, name="dupont") == [cast.teacher]
    assert found(viewer, name="Agnès Dup") == [cast.teacher]
    assert set(found(viewer, school_class=cast.school_class.pk)) == {cast.pupil, cast.teacher}
    assert found(viewer, teaching_group=group.pk) == [world.tom]
    assert found(viewer, subject="HG") == [cast.teacher]
    assert set(found(viewer, profile=Profile.DIR)) == {cast.head}
    assert found(viewer, profile=Profile.ELV, name="tom") == [world.tom]
    choices = queries.search_choices(directory_scope(viewer))
    assert ("HG", "Histoire-géographie") in choices.subjects
    assert (group.pk, str(group)) in choices.groups


def test_a_pupil_may_only_name_her_own_classes(world):
    cast = world.cast
    choices = queries.search_choices(directory_scope(cast.pupil))
    assert [pk for pk, _label in choices.classes] == [cast.school_class.pk]
    teacher_choices = queries.search_choices(directory_scope(cast.teacher))
    assert {world.class_5c.pk, cast.school_class.pk} <= {pk for pk, _ in teacher_choices.classes}


def test_classes_show_to_those_who_work_in_the_school_or_share_the_class(world):
    cast = world.cast
    group = new_group(school=cast.school)
    Enrolment.objects.create(pupil=cast.pupil, teaching_group=group)
    Enrolment.objects.create(pupil=world.tom, teaching_group=group)

    def classes_of(viewer, person):
        scope = directory_scope(viewer)
        people = queries.with_public_rows(queries.directory_people(viewer), scope)
        return queries.public_row(people.get(pk=person.pk)).classes

    assert classes_of(cast.teacher, world.tom) == ("5eC",)
    assert classes_of(cast.pupil, world.tom) == ()  # a group mate: not her class
    assert classes_of(cast.guardian, cast.pupil) == ("3eA",)


@pytest.mark.sdet("UTI-IDO-PBL-04", "UTI-IDO-CAD-02")
def test_details_many_matches_visible_details_for_every_viewer_and_person(world):
    cast = world.cast
    people = [cast.teacher, cast.pupil, cast.guardian, cast.head, world.tom, world.cpe]
    for person in people:
        person.email = f"{person.login}@example.org"
        person.phone_mobile = "06 00 00 00 00"
        person.save()
    set_detail_visibility(actor=cast.pupil, field="email", audience=DetailAudience.STAFF)
    set_detail_visibility(actor=cast.head, field="phone_mobile", audience=DetailAudience.CONTACTS)
    set_detail_visibility(actor=cast.teacher, field="email", audience=DetailAudience.NOBODY)
    for viewer in [*people, cast.outsider]:
        many = visible_details_many(viewer, people)
        for person in people:
            one = visible_details(viewer, person)
            assert many.get(person.pk, {}) == one, (viewer, person)
            assert (person.pk in many) == bool(visible_people(viewer).filter(pk=person.pk))


@pytest.mark.sdet("UTI-IDO-CAD-01")
def test_recipient_candidates_are_people_one_may_write_to(world):
    cast = world.cast
    set_communication_rule(
        actor=None,
        school=cast.school,
        viewer_profile=Profile.ELV,
        audience=Audience.STAFF,
        may_see=True,
        may_write=False,
    )
    names = queries.recipient_candidates(cast.pupil, "", limit=50)
    assert cast.teacher in names
    assert cast.head not in names  # seen, but not written to
    assert cast.pupil not in names
    assert queries.recipient_candidates(cast.pupil, "dupont") == [cast.teacher]
    assert queries.recipient_candidates(cast.teacher, "", limit=1) == [cast.head]  # Bernard


def test_a_guardian_reads_the_address_books_of_the_childs_classes(world):
    cast = world.cast
    person_in(cast.school, Profile.ENS, login="not.hers")
    divisions = queries.divisions(directory_scope(cast.guardian))
    assert [(d.kind, d.pk) for d in divisions] == [("class", cast.school_class.pk)]


def test_the_search_source_finds_people_by_name_within_the_rules(world):
    from django.contrib.auth.models import AnonymousUser

    from ent.addressbook.search import SOURCES

    (source,) = SOURCES
    cast = world.cast
    assert source.text(cast.teacher) == ("Agnès Dupont",)
    assert source.url(cast.teacher) == f"/annuaire/personne/{cast.teacher.uuid}/"
    assert world.tom not in source.visible_to(cast.pupil)
    assert cast.teacher in source.visible_to(cast.pupil)
    assert not source.visible_to(AnonymousUser()).exists()
