"""The notifications over /api/v1/: 401 without a person, only one's own notifications."""

from __future__ import annotations

import json

import pytest

from ent.notifications.models import ChannelPreference, Notification, SchoolChannelPolicy

from .factories import alert_for

API = "/api/v1/notifications"
ALERT = "school.alert"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "/unread-count"),
        ("post", "/1/read"),
        ("post", "/read-all"),
        ("get", "/preferences"),
        ("put", "/preferences"),
    ],
)
def test_every_endpoint_answers_401_without_a_person(client, db, method, path):
    response = getattr(client, method)(API + path, content_type="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_list_and_unread_count(client, cast, django_assert_num_queries):
    alert_for(cast.pupil, title="Un")
    alert_for(cast.pupil, title="Deux")
    alert_for(cast.guardian, title="Autre")
    Notification.objects.filter(title="Un").update(read_at="2025-01-01T00:00:00Z")
    client.force_login(cast.pupil)
    listed = client.get(API).json()
    assert [item["title"] for item in listed] == ["Deux", "Un"]
    assert client.get(API + "?unread=true").json()[0]["title"] == "Deux"
    assert len(client.get(API + "?limit=1&offset=1").json()) == 1
    # An offset past a 64-bit integer is refused as input, not left to the database.
    response = client.get(API + f"?offset={2**63}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "offset"
    assert client.get(API + "/unread-count").json() == {"count": 1}


def test_the_list_costs_the_same_queries_for_2_or_20_notifications(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.pupil)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(API).status_code == 200
        return len(captured)

    alert_for(cast.pupil)
    alert_for(cast.pupil)
    client.get(API)  # the first request of a session also writes it
    few = queries()
    for _number in range(18):
        alert_for(cast.pupil)
    assert queries() == few


def test_read_and_read_all(client, cast):
    alert_for(cast.pupil, title="Mine")
    alert_for(cast.pupil, title="Mine too")
    alert_for(cast.guardian, title="Theirs")
    mine = Notification.objects.get(title="Mine")
    theirs = Notification.objects.get(title="Theirs")
    client.force_login(cast.pupil)
    response = client.post(f"{API}/{theirs.pk}/read")
    assert response.status_code == 404
    response = client.post(f"{API}/{mine.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert client.post(f"{API}/read-all").json() == {"count": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_read_and_change(client, cast, grants):
    cast.guardian.phone_mobile = "0612345678"
    cast.guardian.save(update_fields=["phone_mobile"])
    client.force_login(cast.guardian)
    grid = client.get(API + "/preferences").json()
    assert ALERT in grid["kinds"]
    assert "push" not in grid["channels"]
    email = next(c for c in grid["choices"] if c["kind"] == ALERT and c["channel"] == "email")
    assert email == {
        "kind": ALERT,
        "channel": "email",
        "enabled": False,
        "allowed": True,
        "missing": "no_email",
    }
    body = {"choices": [{"kind": ALERT, "channel": "sms", "enabled": True}]}
    response = client.put(API + "/preferences", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    sms = next(
        c for c in response.json()["choices"] if c["kind"] == ALERT and c["channel"] == "sms"
    )
    assert sms["enabled"] is True
    client.force_login(cast.pupil)
    response = client.put(API + "/preferences", json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    body = {"choices": [{"kind": ALERT, "channel": "email", "enabled": True}]}
    response = client.put(API + "/preferences", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert ChannelPreference.objects.filter(person=cast.pupil).count() == 0


def test_push_subscriptions(client, cast):
    client.force_login(cast.pupil)
    body = {"endpoint": "https://push.example/abc", "p256dh": "key", "auth": "secret"}
    response = client.post(
        API + "/push-subscriptions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    response = client.delete(
        API + "/push-subscriptions",
        json.dumps({"endpoint": body["endpoint"]}),
        content_type="application/json",
    )
    assert response.status_code == 204


@pytest.mark.parametrize(
    "field",
    [
        ("endpoint", "https://push.example/" + "a" * 1000),
        ("p256dh", "k" * 201),
        # PostgreSQL refuses NUL in text: a 422 on both engines, never a 500.
        ("auth", "secret\x00"),
    ],
)
def test_a_push_subscription_too_long_or_with_a_nul_is_refused_and_not_stored(client, cast, field):
    from ent.notifications.models import PushSubscription

    client.force_login(cast.pupil)
    body = {"endpoint": "https://push.example/abc", "p256dh": "key", "auth": "secret"}
    body[field[0]] = field[1]
    response = client.post(
        API + "/push-subscriptions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == field[0]
    assert not PushSubscription.objects.exists()


def test_school_policy_is_managed_by_the_school_administration(client, cast, grants):
    path = f"{API}/schools/{cast.school.pk}/policy"
    client.force_login(cast.teacher)
    assert client.get(path).status_code == 403
    client.force_login(cast.head)
    assert client.get(f"{API}/schools/999999/policy").status_code == 404
    policy = client.get(path).json()["channels"]
    assert policy["email"] is None
    assert "ELV" not in policy["sms"]
    body = json.dumps({"channel": "sms", "profiles": []})
    response = client.put(path, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["channels"]["sms"] == []
    assert SchoolChannelPolicy.objects.get().allowed_profiles == []
