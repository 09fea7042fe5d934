"""The REST endpoints: the same actions and rules as the pages, errors as problem documents."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ent.pupil_records.models import Absence, AbsenceStatus, Grade

from .factories import graded_assessment

pytestmark = pytest.mark.django_db
API = "/api/v1/pupil-records"
PROBLEM = "application/problem+json"


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def assessment(records):
    return graded_assessment(records, grades={records.lea: Decimal(14), records.hugo: Decimal(9)})


def test_anonymous_gets_401_everywhere(client, records, assessment):
    for response in (
        client.get(f"{API}/me/grades"),
        client.get(f"{API}/pupils/{records.lea.pk}/grades"),
        _post(client, f"{API}/assessments/{assessment.pk}/grades", {"grades": []}),
        _post(client, f"{API}/absences", {}),
    ):
        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM


@pytest.mark.sdet("UTI-AVE-SIE-01")
def test_a_pupil_reads_her_grades_with_averages(client, records, assessment):
    client.force_login(records.lea)
    body = client.get(f"{API}/me/grades").json()
    assert body["pupil_id"] == records.lea.pk
    assert body["overall"] == "14.00"
    [subject] = body["subjects"]
    assert (subject["code"], subject["average"]) == ("HG", "14.00")
    assert [grade["value"] for grade in subject["grades"]] == ["14.00"]


def test_a_guardian_reads_the_childs_grades_and_nobody_elses(client, records, assessment):
    client.force_login(records.cast.guardian)
    assert client.get(f"{API}/pupils/{records.lea.pk}/grades").json()["overall"] == "14.00"
    response = client.get(f"{API}/pupils/{records.hugo.pk}/grades")
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)


def test_scenario_3_another_pupils_grades_by_api_id_are_404(client, records, assessment):
    client.force_login(records.world.tom)
    assert client.get(f"{API}/pupils/{records.lea.pk}/grades").status_code == 404
    assert client.get(f"{API}/me/grades").json()["subjects"] == []


def test_outsider_gets_404_and_a_person_without_the_service_403(client, records, assessment):
    client.force_login(records.cast.outsider)
    assert client.get(f"{API}/pupils/{records.lea.pk}/grades").status_code == 404
    response = _post(
        client,
        f"{API}/assessments/{assessment.pk}/grades",
        {"grades": [{"pupil_id": records.lea.pk, "value": "12"}]},
    )
    assert response.status_code == 404
    client.force_login(records.cast.school_admin)
    assert client.get(f"{API}/me/grades").status_code == 403
    client.force_login(records.lea)
    response = _post(
        client,
        f"{API}/assessments/{assessment.pk}/grades",
        {"grades": [{"pupil_id": records.lea.pk, "value": "20"}]},
    )
    assert response.status_code == 403


def test_a_teacher_posts_grades_and_a_wrong_line_saves_nothing(client, records, assessment):
    client.force_login(records.dupont)
    url = f"{API}/assessments/{assessment.pk}/grades"
    refused = _post(
        client,
        url,
        {
            "grades": [
                {"pupil_id": records.lea.pk, "value": "15"},
                {"pupil_id": records.hugo.pk, "value": "30"},
            ]
        },
    )
    assert (refused.status_code, refused["Content-Type"]) == (422, PROBLEM)
    assert "30" in refused.json()["detail"]
    assert Grade.objects.get(pupil=records.lea).value == Decimal(14)
    saved = _post(
        client,
        url,
        {
            "grades": [
                {"pupil_id": records.lea.pk, "value": "15"},
                {"pupil_id": records.hugo.pk, "status": "ABSENT"},
            ]
        },
    )
    assert saved.json() == {"created": 0, "changed": 2, "removed": 0}
    outsider_pupil = _post(
        client, url, {"grades": [{"pupil_id": records.world.tom.pk, "value": "10"}]}
    )
    assert outsider_pupil.status_code == 422


def test_a_teacher_records_an_absence_and_a_guardian_justifies_it(client, records):
    client.force_login(records.dupont)
    body = {
        "pupil_id": records.lea.pk,
        "school_id": records.cast.school.pk,
        "starts_at": "2026-11-16T08:00:00+01:00",
        "ends_at": "2026-11-16T12:00:00+01:00",
    }
    created = _post(client, f"{API}/absences", body)
    assert created.status_code == 201, created.content
    absence_id = created.json()["id"]
    assert created.json()["history"]
    assert (
        _post(client, f"{API}/absences", body | {"pupil_id": records.world.tom.pk}).status_code
        == 404
    )
    assert _post(client, f"{API}/absences", body | {"reason": "ILLNESS"}).status_code == 422
    client.force_login(records.cast.guardian)
    assert client.get(f"{API}/absences/{absence_id}").json()["status"] == AbsenceStatus.REPORTED
    justified = _post(
        client,
        f"{API}/absences/{absence_id}/justification",
        {"reason": "ILLNESS", "text": "Fièvre"},
    )
    assert justified.json()["status"] == AbsenceStatus.JUSTIFIED
    assert {row["field"] for row in justified.json()["history"]} >= {"reason", "justification"}
    client.force_login(records.tom_guardian)
    assert client.get(f"{API}/absences/{absence_id}").status_code == 404
    refused = _post(
        client, f"{API}/absences/{absence_id}/justification", {"reason": "ILLNESS", "text": "x"}
    )
    assert refused.status_code == 404
    assert Absence.objects.get().justified_by == records.cast.guardian
