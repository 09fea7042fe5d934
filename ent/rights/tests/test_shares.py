"""One sharing model for every service: graded roles, groups, "shared with me"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.models import Profile, School, SchoolClass
from ent.rights.actions import ShareRefused, share, unshare
from ent.rights.models import Share, ShareRole
from ent.rights.queries import ProfileInSchool, role_on, shared_with, shares_of, visible_ids

from .factories import new_class, pupil_in

pytestmark = [pytest.mark.django_db, pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-02")]


def test_the_owner_shares_with_a_person_and_the_role_is_what_they_get(world):
    cast, resource = world.cast, world.class_4b
    assert role_on(cast.pupil, resource) is None
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=cast.pupil,
        role=ShareRole.COMMENT,
    )
    assert role_on(cast.pupil, resource) == ShareRole.COMMENT
    assert role_on(cast.teacher, resource, owner=cast.teacher) == ShareRole.MANAGE
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=cast.pupil,
        role=ShareRole.READ,
    )
    assert role_on(cast.pupil, resource) == ShareRole.READ
    assert [event.action for event in AuditEvent.objects.order_by("pk")][-2:] == [
        "rights.share.add",
        "rights.share.change",
    ]


def test_only_the_owner_or_a_manager_shares_and_a_manager_may_share_on(world):
    cast, resource = world.cast, world.class_4b
    with pytest.raises(ShareRefused):
        share(actor=cast.pupil, resource=resource, with_=world.tom, role=ShareRole.READ)
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=cast.head,
        role=ShareRole.MANAGE,
    )
    share(actor=cast.head, resource=resource, with_=world.cpe, role=ShareRole.CONTRIBUTE)
    assert role_on(world.cpe, resource) == ShareRole.CONTRIBUTE
    with pytest.raises(ShareRefused):
        share(actor=world.cpe, resource=resource, with_=cast.pupil, role=ShareRole.READ)


def test_nobody_shares_with_a_person_they_may_not_see(world):
    cast = world.cast
    with pytest.raises(ShareRefused):
        share(
            actor=cast.pupil,
            owner=cast.pupil,
            resource=world.class_5c,
            with_=cast.outsider,
            role=ShareRole.READ,
        )
    with pytest.raises(ShareRefused):
        share(
            actor=cast.pupil,
            owner=cast.pupil,
            resource=world.class_5c,
            with_=ProfileInSchool(Profile.ENS, cast.other_school),
            role=ShareRole.READ,
        )


def test_a_share_with_a_class_or_a_profile_reaches_its_members_only(world):
    cast, resource = world.cast, world.class_5c
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=cast.school_class,
        role=ShareRole.READ,
    )
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=ProfileInSchool(Profile.EVS, cast.school),
        role=ShareRole.PUBLISH,
    )
    assert role_on(cast.pupil, resource) == ShareRole.READ
    assert role_on(world.tom, resource) is None
    assert role_on(world.cpe, resource) == ShareRole.PUBLISH
    assert role_on(cast.outsider, resource) is None


def test_unsharing_and_expiry_end_the_access(world):
    cast, resource = world.cast, world.class_4b
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=cast.pupil,
        role=ShareRole.READ,
        ends_at=timezone.now() - timedelta(seconds=1),
    )
    assert role_on(cast.pupil, resource) is None
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=resource,
        with_=cast.pupil,
        role=ShareRole.READ,
    )
    assert unshare(actor=cast.teacher, owner=cast.teacher, resource=resource, with_=cast.pupil)
    assert role_on(cast.pupil, resource) is None
    assert not unshare(actor=cast.teacher, owner=cast.teacher, resource=resource, with_=cast.pupil)
    assert list(shares_of(resource)) == []


def test_shared_with_me_is_one_query_whatever_the_number_of_shares(
    world, django_assert_num_queries
):
    cast = world.cast
    classes = [new_class(school=cast.school) for _ in range(5)]
    for school_class in classes:
        share(
            actor=cast.teacher,
            owner=cast.teacher,
            resource=school_class,
            with_=cast.school_class,
            role=ShareRole.READ,
        )
        share(
            actor=cast.teacher,
            owner=cast.teacher,
            resource=school_class,
            with_=cast.pupil,
            role=ShareRole.CONTRIBUTE,
        )
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=cast.school,
        with_=cast.pupil,
        role=ShareRole.READ,
    )
    with django_assert_num_queries(1):
        rows = list(shared_with(cast.pupil))
    assert len(rows) == 6
    assert {row["role"] for row in rows if row["object_id"] != str(cast.school.pk)} == {
        ShareRole.CONTRIBUTE
    }
    with django_assert_num_queries(1):
        assert len(list(shared_with(cast.pupil, SchoolClass))) == 5
    assert list(shared_with(world.tom)) == []


def test_other_apps_filter_their_rows_with_visible_ids(world):
    cast = world.cast
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=world.class_4b,
        with_=cast.pupil,
        role=ShareRole.READ,
    )
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=world.class_5c,
        with_=cast.pupil,
        role=ShareRole.CONTRIBUTE,
    )
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=cast.school,
        with_=cast.pupil,
        role=ShareRole.READ,
    )
    visible = SchoolClass.objects.filter(pk__in=visible_ids(cast.pupil, SchoolClass))
    assert set(visible) == {world.class_4b, world.class_5c}
    writable = SchoolClass.objects.filter(
        pk__in=visible_ids(cast.pupil, SchoolClass, role=ShareRole.CONTRIBUTE)
    )
    assert list(writable) == [world.class_5c]
    assert list(School.objects.filter(pk__in=visible_ids(cast.pupil, School))) == [cast.school]


def test_the_shares_table_has_an_index_for_each_branch_of_shared_with_me(db):
    names = {index.name for index in Share._meta.indexes}
    assert {
        "rights_share_person",
        "rights_share_class",
        "rights_share_group",
        "rights_share_profile",
    } <= names
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Share._meta.db_table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}
    assert ("person_id", "content_type_id") in indexed
    assert ("content_type_id", "object_id", "grantee_key") in indexed


def test_a_new_pupil_of_a_shared_class_sees_the_resource_at_once(world):
    cast = world.cast
    share(
        actor=cast.teacher,
        owner=cast.teacher,
        resource=world.class_4b,
        with_=cast.school_class,
        role=ShareRole.READ,
    )
    newcomer = pupil_in(cast.school_class, login="new.pupil")
    assert role_on(newcomer, world.class_4b) == ShareRole.READ
