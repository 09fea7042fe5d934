"""Account lifecycle over the REST API: 401 instead of a login redirect, the 404/403 matrix,
RFC 9457 problem documents, CSRF on the session, and the committed OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from ent.api import api
from ent.audit.models import AuditEvent
from ent.directory.models import ExternalId, Source, User

PROBLEM = "application/problem+json"
JSON = "application/json"
SNAPSHOT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
REGENERATE = (
    ".venv/bin/ent export_openapi_schema --api ent.api.api --indent 2 --sorted "
    "--output docs/openapi.json"
)


def url(person, operation: str = "") -> str:
    return f"/api/v1/identity/accounts/{person.uuid}" + (f"/{operation}" if operation else "")


def problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert "Traceback" not in response.content.decode()
    return body


@pytest.mark.sdet("SOC-INT-PSE-03")
@pytest.mark.parametrize(
    ("method", "operation"),
    [
        ("get", ""),
        ("post", "suspend"),
        ("post", "reactivate"),
        ("post", "deactivate"),
        ("post", "revoke-credentials"),
        ("delete", ""),
    ],
)
def test_each_endpoint_answers_401_404_403_by_who_calls(client, cast, method, operation):
    send = getattr(client, method)
    body = {"reason": "LOST"} if operation == "revoke-credentials" else {}
    target = url(cast.pupil, operation)
    anonymous = send(target, body, content_type="application/json")
    assert problem(anonymous, 401)["code"] == "not_authenticated"
    client.force_login(cast.outsider)
    assert problem(send(target, body, content_type="application/json"), 404)["code"] == "not_found"
    client.force_login(cast.teacher)
    assert problem(send(target, body, content_type="application/json"), 403)["code"] == "forbidden"
    cast.pupil.refresh_from_db()
    assert cast.pupil.is_active
    assert cast.pupil.purged_at is None


@pytest.mark.sdet("SOC-SEC-IAU-01", "SOC-SEC-IAU-02")
def test_an_account_reads_with_its_invariant_identifier_and_its_ids_per_source(client, cast):
    ExternalId.objects.create(person=cast.pupil, source=Source.AAF, value="AAF-1234")
    ExternalId.objects.create(person=cast.pupil, source=Source.PREVIOUS_ENT, value="old-987")
    client.force_login(cast.head)
    response = client.get(url(cast.pupil))
    assert response.status_code == 200
    account = response.json()
    assert account["uuid"] == str(cast.pupil.uuid)
    assert account["login"] == "lea.petit"
    assert account["external_ids"] == [
        {"source": "AAF", "value": "AAF-1234"},
        {"source": "PREVIOUS_ENT", "value": "old-987"},
    ]
    assert account["memberships"][0]["school_uai"] == "0000001B"
    assert account["memberships"][0]["profile"] == "ELV"


@pytest.mark.sdet("SOC-SEC-IAU-13", "SOC-SEC-APS-03")
def test_suspend_and_reactivate_run_the_same_actions_as_the_pages(client, cast):
    client.force_login(cast.school_admin)
    response = client.post(url(cast.pupil, "suspend"), {"reason": "API"}, "application/json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["suspended_at"] is not None
    event = AuditEvent.objects.get(action="identity.account.suspend")
    assert (event.actor, event.data["reason"]) == (cast.school_admin, "API")
    conflict = problem(client.post(url(cast.pupil, "suspend"), content_type=JSON), 409)
    assert conflict["code"] == "already_suspended"
    assert client.post(url(cast.pupil, "reactivate")).json()["is_active"] is True
    deactivated = client.post(url(cast.pupil, "deactivate"), content_type=JSON)
    assert deactivated.json()["deactivated_at"] is not None


@pytest.mark.sdet("SOC-SEC-IAU-14")
def test_revoking_credentials_needs_a_known_reason(client, cast):
    client.force_login(cast.head)
    missing = problem(client.post(url(cast.pupil, "revoke-credentials"), content_type=JSON), 422)
    assert missing["code"] == "invalid"
    unknown = client.post(
        url(cast.pupil, "revoke-credentials"), {"reason": "BORED"}, "application/json"
    )
    assert problem(unknown, 422)["errors"]
    response = client.post(
        url(cast.pupil, "revoke-credentials"), {"reason": "STOLEN"}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["has_password"] is False


@pytest.mark.sdet("SOC-SEC-IAU-13")
def test_delete_erases_the_account_and_answers_204(client, cast):
    client.force_login(cast.head)
    response = client.delete(url(cast.pupil))
    assert response.status_code == 204
    assert User.objects.get(pk=cast.pupil.pk).login.startswith("purged-")
    assert problem(client.get(url(cast.pupil)), 404)


@pytest.mark.sdet("SOC-INT-PSE-03")
def test_unsafe_methods_on_the_session_need_the_csrf_token(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.head)
    refused = browser.post(url(cast.pupil, "suspend"))
    assert problem(refused, 403)
    cast.pupil.refresh_from_db()
    assert cast.pupil.is_active
    assert browser.get(url(cast.pupil)).status_code == 200, "reads need no token"
    browser.get("/auth/password/forgotten")
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        url(cast.pupil, "suspend"), {}, content_type=JSON, HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200


def test_a_form_encoded_body_is_refused_with_a_problem_not_a_500(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.head)
    browser.get("/auth/password/forgotten")
    token = browser.cookies["csrftoken"].value
    form = {"reason": "form", "csrfmiddlewaretoken": token}
    response = browser.post(url(cast.pupil, "suspend"), form)
    assert problem(response, 415)["code"] == "unsupported_media_type"
    cast.pupil.refresh_from_db()
    assert cast.pupil.is_active


def test_an_unexpected_error_is_a_problem_document_without_traceback(client, cast, monkeypatch):
    def broken(person):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("ent.identity.api.account_summary", broken)
    client.force_login(cast.head)
    response = client.get(url(cast.pupil))
    body = problem(response, 500)
    assert "secret internals" not in response.content.decode()
    assert body["code"] == "internal_error"


@pytest.mark.sdet("SOC-INT-PSE-02")
def test_the_committed_openapi_description_matches_the_code(client, db):
    generated = json.loads(json.dumps(api.get_openapi_schema(), default=str))
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert committed == generated, f"docs/openapi.json is stale: regenerate it with {REGENERATE}"
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200, "the description is public"
    problem_schema = committed["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem_schema["properties"])
