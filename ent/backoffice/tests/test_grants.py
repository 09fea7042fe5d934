"""The grants page (SOC-SEC-AUT-03): grant, suspend, resume and revoke in one's school."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.models import Enrolment, Profile
from ent.rights.actions import grant_service
from ent.rights.models import ServiceGrant
from ent.rights.queries import has_service
from ent.rights.registry import Level

from .factories import member, page

pytestmark = [pytest.mark.django_db, pytest.mark.sdet("SOC-SEC-AUT-03")]


def _grant(client, school, **data):
    return client.post(page("grant-add", school), {"level": str(Level.USE), **data})


def test_the_head_grants_a_service_to_a_class_then_suspends_resumes_and_revokes_it(
    client, cast, defaults
):
    space = defaults
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    client.force_login(cast.head)
    response = _grant(
        client,
        cast.school,
        service=space,
        grantee_kind="school_class",
        school_class=str(cast.school_class.pk),
    )
    assert response.status_code == 302
    grant = ServiceGrant.objects.get(school_class=cast.school_class)
    assert (grant.service, grant.school, grant.granted_by) == (space, cast.school, cast.head)
    assert has_service(cast.pupil, space, school=cast.school)
    listing = client.get(page("grants", cast.school))
    assert [row.grant for row in listing.context["grants"]] == [grant]
    assert listing.context["grants"][0].grantee == "3eA"

    def change(operation: str) -> None:
        url = page("grant-change", cast.school, grant_id=grant.pk, operation=operation)
        assert client.post(url).status_code == 302

    change("suspend")
    assert not has_service(cast.pupil, space, school=cast.school)
    change("resume")
    assert has_service(cast.pupil, space, school=cast.school)
    change("revoke")
    assert not has_service(cast.pupil, space, school=cast.school)
    assert client.get(page("grants", cast.school)).context["grants"] == []
    actions = list(
        AuditEvent.objects.filter(target_id=str(grant.pk), action__startswith="rights.grant")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "rights.grant.add",
        "rights.grant.suspend",
        "rights.grant.resume",
        "rights.grant.revoke",
    ]


def test_a_grant_to_a_person_holds_only_within_its_window(client, cast, defaults):
    space = defaults
    client.force_login(cast.school_admin)
    start = timezone.localdate() + timedelta(days=2)
    end = start + timedelta(days=3)
    response = _grant(
        client,
        cast.school,
        service=space,
        grantee_kind="person",
        person="lea.petit",
        starts_on=start.isoformat(),
        ends_on=end.isoformat(),
    )
    assert response.status_code == 302
    grant = ServiceGrant.objects.get(person=cast.pupil)
    assert grant.starts_at is not None
    assert grant.ends_at is not None
    assert not has_service(cast.pupil, space)
    with time_machine.travel(grant.starts_at + timedelta(minutes=1), tick=False):
        assert has_service(cast.pupil, space, school=cast.school)
    with time_machine.travel(grant.ends_at, tick=False):
        assert not has_service(cast.pupil, space)
    assert timezone.localtime(grant.ends_at).date() == end + timedelta(days=1)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"grantee_kind": "person", "person": ""}, "person"),
        ({"grantee_kind": "person", "person": "yves.autre"}, "person"),
        ({"grantee_kind": "profile", "profile": ""}, "profile"),
        ({"grantee_kind": "function", "function": ""}, "function"),
        ({"grantee_kind": "profile", "profile": "ELV", "service": "nope"}, "service"),
        (
            {"grantee_kind": "profile", "profile": "ELV", "starts_on": "2030-01-02"}
            | {"ends_on": "2030-01-01"},
            "ends_on",
        ),
        # Days at the limits of the calendar: a form error, never a server error.
        ({"grantee_kind": "profile", "profile": "ELV", "starts_on": "0001-01-01"}, "starts_on"),
        ({"grantee_kind": "profile", "profile": "ELV", "ends_on": "9999-12-31"}, "ends_on"),
    ],
)
def test_an_incomplete_grant_is_refused_with_its_reason(client, cast, defaults, data, field):
    client.force_login(cast.head)
    response = _grant(client, cast.school, **({"service": defaults} | data))
    assert response.status_code == 422
    assert response.context["form"].has_error(field)
    assert not ServiceGrant.objects.filter(school=cast.school).exists()


def test_a_class_of_another_school_cannot_be_chosen(client, cast, defaults):
    from ent.directory.models import SchoolClass

    other_class = SchoolClass.objects.create(school=cast.other_school, code="6B")
    client.force_login(cast.head)
    response = _grant(
        client,
        cast.school,
        service=defaults,
        grantee_kind="school_class",
        school_class=str(other_class.pk),
    )
    assert response.status_code == 422
    assert not ServiceGrant.objects.filter(school_class=other_class).exists()


def test_project_wide_grants_are_listed_read_only(client, cast, defaults):
    client.force_login(cast.head)
    listing = client.get(page("grants", cast.school))
    project = listing.context["project_grants"]
    assert {row.grant.service for row in project} >= {"school_admin", defaults}
    default = next(row.grant for row in project if row.grant.service == defaults)
    url = page("grant-change", cast.school, grant_id=default.pk, operation="suspend")
    assert client.post(url).status_code == 404
    default.refresh_from_db()
    assert default.suspended_at is None


def test_a_grant_of_another_school_answers_404_and_an_unknown_operation_too(client, cast, defaults):
    other = grant_service(
        actor=None, service=defaults, profile=Profile.ELV, school=cast.other_school
    )
    own = grant_service(actor=None, service=defaults, profile=Profile.ELV, school=cast.school)
    client.force_login(cast.head)
    url = page("grant-change", cast.school, grant_id=other.pk, operation="revoke")
    assert client.post(url).status_code == 404
    url = page("grant-change", cast.school, grant_id=own.pk, operation="delete")
    assert client.post(url).status_code == 404
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.revoked_at is None
    assert own.revoked_at is None


def test_the_list_of_grants_costs_the_same_whatever_its_length(
    client, cast, defaults, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count: int) -> None:
        for _number in range(count):
            person = member(f"p{ServiceGrant.objects.count()}", cast.school, "ENS")
            grant_service(actor=None, service=defaults, person=person, school=cast.school)

    client.force_login(cast.head)
    add(2)
    client.get(page("grants", cast.school))
    with CaptureQueriesContext(connection) as first:
        assert len(client.get(page("grants", cast.school)).context["grants"]) == 2
    add(5)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(page("grants", cast.school)).context["grants"]) == 7


def test_grants_to_a_function_and_to_a_group_are_listed_by_name(client, cast, defaults):
    from ent.directory.models import TeachingGroup

    group = TeachingGroup.objects.create(school=cast.school, code="LATIN", label="Latin 4e")
    client.force_login(cast.head)
    for data in (
        {"grantee_kind": "function", "function": "DOC"},
        {"grantee_kind": "teaching_group", "teaching_group": str(group.pk)},
    ):
        assert _grant(client, cast.school, service=defaults, **data).status_code == 302
    rows = client.get(page("grants", cast.school)).context["grants"]
    assert sorted(row.grantee for row in rows) == ["DOC", "Latin 4e"]
