"""Delegation of one's own administration rights (SOC-SUP-ABO-04): controlled, for a fixed
period, within the limits the administrator sets; a delegate never lends it on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ent.audit.models import AuditEvent, Outcome
from ent.directory.models import Profile
from ent.rights.actions import DelegationRefused, delegate_rights
from ent.rights.models import Delegation
from ent.rights.queries import has_service
from ent.rights.registry import Level

from .factories import member, page

pytestmark = [pytest.mark.django_db, pytest.mark.sdet("SOC-SUP-ABO-04", "SOC-SEC-AUT-03")]


def _lend(client, school, **changes):
    today = timezone.localdate()
    data = {
        "delegate": "agnes.dupont",
        "service": "school_admin",
        "level": str(Level.MANAGE),
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "reason": "voyage scolaire",
        **changes,
    }
    return client.post(page("delegation-add", school), data)


def test_the_head_lends_the_administration_for_a_window_and_it_ends_without_a_new_login(
    client, cast, defaults
):
    client.force_login(cast.head)
    today = timezone.localdate()
    response = _lend(client, cast.school, ends_on=today.isoformat())
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate) == (cast.head, cast.teacher)
    assert (delegation.service, delegation.level, delegation.school) == (
        "school_admin",
        Level.MANAGE,
        cast.school,
    )
    assert delegation.reason == "voyage scolaire"
    assert delegation.ends_at is not None
    assert timezone.localtime(delegation.ends_at).date() == today + timedelta(days=1)
    listing = client.get(page("delegations", cast.school))
    assert [row.delegation for row in listing.context["delegations"]] == [delegation]

    teacher = client.__class__()
    teacher.force_login(cast.teacher)
    with time_machine.travel(delegation.ends_at - timedelta(minutes=1), tick=False):
        assert teacher.get(page("dashboard", cast.school)).status_code == 200
        assert teacher.get(page("grants", cast.school)).status_code == 200
        # Only in the school of the delegation.
        assert teacher.get(page("dashboard", cast.other_school)).status_code == 404
    with time_machine.travel(delegation.ends_at + timedelta(minutes=1), tick=False):
        # The same session, the next request: the right is gone.
        assert teacher.get(page("dashboard", cast.school)).status_code == 403
    event = AuditEvent.objects.get(action="rights.delegation.grant", outcome=Outcome.SUCCESS)
    assert (event.actor, event.data["delegate"]) == (cast.head, "agnes.dupont")


def test_a_delegation_to_come_gives_nothing_before_its_first_day(client, cast, defaults):
    client.force_login(cast.head)
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert _lend(client, cast.school, starts_on=tomorrow.isoformat()).status_code == 302
    assert not has_service(cast.teacher, "school_admin", school=cast.school)
    delegation = Delegation.objects.get()
    with time_machine.travel(delegation.starts_at + timedelta(minutes=1), tick=False):
        assert has_service(cast.teacher, "school_admin", school=cast.school, level=Level.MANAGE)


def test_the_administrator_sets_the_limit_a_read_level_opens_no_page(client, cast, defaults):
    client.force_login(cast.head)
    assert _lend(client, cast.school, level=str(Level.READ)).status_code == 302
    assert has_service(cast.teacher, "school_admin", school=cast.school, level=Level.READ)
    teacher = client.__class__()
    teacher.force_login(cast.teacher)
    assert teacher.get(page("dashboard", cast.school)).status_code == 403


def test_a_delegate_cannot_lend_the_right_on(client, cast, defaults):
    delegate_rights(
        actor=cast.head,
        delegate=cast.teacher,
        school=cast.school,
        service="school_admin",
        ends_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(cast.teacher)
    listing = client.get(page("delegations", cast.school))
    assert listing.status_code == 200
    # The teacher manages services of their own (forums, blogs) but may not lend the one they
    # hold only by delegation.
    lendable = {code for code, _label in listing.context["form"].fields["service"].choices}
    assert "school_admin" not in lendable
    response = _lend(client, cast.school, delegate="lea.petit")
    assert response.status_code == 422
    assert response.context["form"].has_error("service")
    assert Delegation.objects.count() == 1
    with pytest.raises(DelegationRefused):
        delegate_rights(
            actor=cast.teacher,
            delegate=cast.pupil,
            school=cast.school,
            service="school_admin",
            ends_at=timezone.now() + timedelta(days=1),
        )
    refusal = AuditEvent.objects.get(action="rights.delegation.grant", outcome=Outcome.FAILURE)
    assert refusal.actor == cast.teacher


def test_the_administrator_lends_other_services_they_manage_and_no_more(client, cast, defaults):
    client.force_login(cast.head)
    form = client.get(page("delegations", cast.school)).context["form"]
    lendable = {code for code, _label in form.fields["service"].choices}
    assert "school_admin" in lendable
    # The head uses the test space (teachers' default) at no level of their own.
    assert defaults not in lendable
    assert _lend(client, cast.school, service=defaults).status_code == 422


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": ""}, "ends_on"),
        ({"starts_on": ""}, "starts_on"),
        ({"ends_on": "__past__"}, "ends_on"),
        ({"starts_on": "__past__"}, "starts_on"),
        ({"ends_on": "__far__"}, "ends_on"),
        ({"delegate": "yves.autre"}, "delegate"),
        ({"delegate": "nobody.here"}, "delegate"),
    ],
)
def test_a_delegation_has_a_bounded_window_and_a_delegate_of_the_school(
    client, cast, defaults, changes, field
):
    today = timezone.localdate()
    dates = {
        "__past__": (today - timedelta(days=1)).isoformat(),
        "__far__": (today + timedelta(days=400)).isoformat(),
    }
    client.force_login(cast.head)
    response = _lend(
        client, cast.school, **{key: dates.get(value, value) for key, value in changes.items()}
    )
    assert response.status_code == 422
    assert response.context["form"].has_error(field)
    assert not Delegation.objects.exists()


def test_nobody_delegates_to_themselves(client, cast, defaults):
    client.force_login(cast.head)
    response = _lend(client, cast.school, delegate="marc.bernard")
    assert response.status_code == 422
    assert not Delegation.objects.exists()


def test_the_delegator_or_another_administrator_ends_a_delegation_now(client, cast, defaults):
    delegation = delegate_rights(
        actor=cast.head,
        delegate=cast.teacher,
        school=cast.school,
        service="school_admin",
        ends_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(cast.school_admin)
    response = client.post(page("delegation-revoke", cast.school, delegation_id=delegation.pk))
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert not has_service(cast.teacher, "school_admin", school=cast.school)
    assert client.get(page("delegations", cast.school)).context["delegations"] == []
    # Ended: it is no longer there to end.
    url = page("delegation-revoke", cast.school, delegation_id=delegation.pk)
    assert client.post(url).status_code == 404


def test_a_delegation_of_another_school_answers_404(client, cast, defaults):
    other_head = member("head.y", cast.other_school, Profile.DIR)
    other_teacher = member("teacher.y", cast.other_school, Profile.ENS)
    delegation = delegate_rights(
        actor=other_head,
        delegate=other_teacher,
        school=cast.other_school,
        service="school_admin",
        ends_at=timezone.now() + timedelta(days=3),
    )
    client.force_login(cast.head)
    url = page("delegation-revoke", cast.school, delegation_id=delegation.pk)
    assert client.post(url).status_code == 404


def test_the_list_of_delegations_costs_the_same_whatever_its_length(
    client, cast, defaults, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def lend(count: int) -> None:
        for number in range(count):
            person = member(f"staff.{Delegation.objects.count()}.{number}", cast.school, "EVS")
            delegate_rights(
                actor=cast.head,
                delegate=person,
                school=cast.school,
                service="school_admin",
                ends_at=timezone.now() + timedelta(days=number + 1),
            )

    client.force_login(cast.head)
    lend(2)
    client.get(page("delegations", cast.school))
    with CaptureQueriesContext(connection) as first:
        assert len(client.get(page("delegations", cast.school)).context["delegations"]) == 2
    lend(4)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(page("delegations", cast.school)).context["delegations"]) == 6
