from __future__ import annotations

from ent.moderation import actions
from ent.moderation.models import Report, Status

from .conftest import KIND

URL = "/api/v1/moderation/reports"


def test_anonymous_gets_401(client, cast, hidden):
    assert client.get(URL).status_code == 401
    assert client.post(URL, {}, content_type="application/json").status_code == 401


def test_a_parent_reports_through_the_api(client, cast, hidden):
    client.force_login(cast.guardian)
    body = {"kind": KIND, "object_id": cast.school_class.pk, "reason": "Insultes"}
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["status"] == "OPEN"
    again = client.post(URL, body, content_type="application/json")
    assert again.status_code == 422
    assert again["Content-Type"] == "application/problem+json"
    assert "already reported" in again.json()["detail"]
    empty = client.post(URL, {**body, "reason": ""}, content_type="application/json")
    assert empty.status_code == 422
    assert [item["id"] for item in client.get(URL + "/mine").json()] == [response.json()["id"]]


def test_what_one_cannot_see_is_404(client, cast, hidden):
    client.force_login(cast.outsider)
    body = {"kind": KIND, "object_id": cast.school_class.pk, "reason": "x"}
    assert client.post(URL, body, content_type="application/json").status_code == 404
    body = {"kind": KIND, "object_id": 2**70, "reason": "x"}
    assert client.post(URL, body, content_type="application/json").status_code == 422
    assert not Report.objects.exists()


def test_the_head_lists_and_dismisses_a_report(client, cast, hidden):
    report = actions.report(
        actor=cast.guardian, kind=KIND, object_id=cast.school_class.pk, reason="a"
    )
    client.force_login(cast.teacher)
    assert client.get(URL).json() == []
    decision = f"{URL}/{report.pk}/decision"
    body = {"decision": "dismiss"}
    assert client.post(decision, body, content_type="application/json").status_code == 404
    client.force_login(cast.head)
    listed = client.get(URL).json()
    assert [(item["id"], item["url"]) for item in listed] == [
        (report.pk, f"/annuaire/classes/{cast.school_class.pk}/")
    ]
    bad = client.post(decision, {"decision": "burn"}, content_type="application/json")
    assert bad.status_code == 422
    response = client.post(decision, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == Status.DISMISSED
    assert hidden.items == []
