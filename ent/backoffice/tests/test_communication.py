"""Who sees whom (UTI-IDO-PBL-03): the administrator sets which people each profile finds in
the directory, for their school only."""

from __future__ import annotations

import pytest

from ent.audit.models import AuditEvent
from ent.directory.models import Enrolment, TeachingAssignment
from ent.rights.actions import set_communication_rule
from ent.rights.communication import may_see, may_write_to
from ent.rights.models import CommunicationRule

from .factories import page

pytestmark = [pytest.mark.django_db, pytest.mark.sdet("UTI-IDO-PBL-03")]


def _matrix(response) -> dict[tuple[str, str], str]:
    return {
        (row.profile, cell.audience): cell.value
        for row in response.context["matrix"]
        for cell in row.cells
    }


@pytest.fixture
def class_of_lea(cast):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    TeachingAssignment.objects.create(teacher=cast.teacher, school_class=cast.school_class)


def test_the_matrix_shows_the_defaults(client, cast, defaults):
    client.force_login(cast.head)
    matrix = _matrix(client.get(page("communication", cast.school)))
    assert matrix[("ELV", "TEACHERS")] == "write"
    assert matrix[("ELV", "SCHOOL")] == "none"
    assert matrix[("ENS", "SCHOOL")] == "write"
    assert len(matrix) == 10 * 6


def test_the_head_bars_pupils_from_the_teachers_of_their_school(
    client, cast, defaults, class_of_lea
):
    assert may_see(cast.pupil, cast.teacher)
    client.force_login(cast.head)
    current = _matrix(client.get(page("communication", cast.school)))
    posted = {f"{profile}__{audience}": value for (profile, audience), value in current.items()}
    posted["ELV__TEACHERS"] = "none"
    posted["TUT__TEACHERS"] = "see"
    response = client.post(page("communication", cast.school), posted)
    assert response.status_code == 302
    assert not may_see(cast.pupil, cast.teacher)
    assert not may_write_to(cast.pupil, cast.teacher)
    # Guardians still find the teachers of their child, but may no longer write to them.
    assert may_see(cast.guardian, cast.teacher)
    assert not may_write_to(cast.guardian, cast.teacher)
    # Only the changed cells became rules of the school.
    rules = CommunicationRule.objects.order_by("viewer_profile")
    assert [(r.school, r.viewer_profile, r.audience, r.may_see, r.may_write) for r in rules] == [
        (cast.school, "ELV", "TEACHERS", False, False),
        (cast.school, "TUT", "TEACHERS", True, False),
    ]
    assert AuditEvent.objects.filter(action="rights.rule.set", actor=cast.head).count() == 2
    after = client.get(page("communication", cast.school))
    assert _matrix(after)[("ELV", "TEACHERS")] == "none"
    cells = {
        (row.profile, cell.audience): cell for row in after.context["matrix"] for cell in row.cells
    }
    assert cells[("ELV", "TEACHERS")].is_school_rule
    assert cells[("ELV", "TEACHERS")].inherited == "write"
    # The other school keeps the defaults.
    assert CommunicationRule.objects.filter(school=cast.other_school).count() == 0


def test_a_project_rule_shows_as_inherited_and_the_school_may_reopen_it(client, cast, defaults):
    set_communication_rule(
        actor=None,
        school=None,
        viewer_profile="ELV",
        audience="CLASSMATES",
        may_see=True,
        may_write=False,
    )
    client.force_login(cast.school_admin)
    matrix = _matrix(client.get(page("communication", cast.school)))
    assert matrix[("ELV", "CLASSMATES")] == "see"
    posted = {f"{profile}__{audience}": value for (profile, audience), value in matrix.items()}
    posted["ELV__CLASSMATES"] = "write"
    assert client.post(page("communication", cast.school), posted).status_code == 302
    rule = CommunicationRule.objects.get(school=cast.school)
    assert (rule.may_see, rule.may_write) == (True, True)


def test_a_value_outside_the_choices_is_refused(client, cast, defaults):
    client.force_login(cast.head)
    response = client.post(page("communication", cast.school), {"ELV__TEACHERS": "everything"})
    assert response.status_code == 422
    assert not CommunicationRule.objects.exists()
