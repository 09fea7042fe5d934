"""The pages: the feed, the settings and the alert form, for every kind of visitor."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ent.notifications.actions import set_channel_policy
from ent.notifications.models import ChannelPreference, Notification
from ent.rights.testing import ungated_views

from .factories import alert_for

ALERT = "school.alert"
INBOX = "/notifications/"
SETTINGS = "/notifications/preferences/"


def test_every_page_is_gated_or_exempt():
    assert [route for route in ungated_views() if route.startswith("notifications/")] == []


@pytest.mark.parametrize("path", [INBOX, SETTINGS, "/notifications/alerte/1/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response["Location"]


@pytest.mark.sdet("UTI-UTL-NOT-00")
def test_the_inbox_shows_only_the_persons_own_notifications_unread_first(client, cast):
    alert_for(cast.pupil, title="Ancienne")
    alert_for(cast.pupil, title="Récente")
    alert_for(cast.guardian, title="Pour Paul")
    Notification.objects.filter(title="Récente").update(read_at="2025-01-01T00:00:00Z")
    client.force_login(cast.pupil)
    response = client.get(INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-unread="1"' in page
    assert page.index("Ancienne") < page.index("Récente")
    assert "Pour Paul" not in page


def test_the_inbox_costs_the_same_queries_for_3_or_30_notifications(client, cast):
    client.force_login(cast.pupil)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    for number in range(3):
        alert_for(cast.pupil, title=f"n{number}")
    client.get(INBOX)  # the first request of a session also writes it
    few = queries()
    for number in range(27):
        alert_for(cast.pupil, title=f"m{number}")
    assert queries() == few
    second = client.get(INBOX + "?page=2")
    assert second.content.decode().count("data-id=") == 10


def test_marking_read_redirects_and_anothers_notification_is_a_404(client, cast):
    alert_for(cast.pupil, title="Pour Léa", url="/notifications/preferences/")
    alert_for(cast.guardian, title="Pour Paul")
    mine = Notification.objects.get(title="Pour Léa")
    theirs = Notification.objects.get(title="Pour Paul")
    client.force_login(cast.pupil)
    assert client.post(f"/notifications/{theirs.pk}/lu/").status_code == 404
    assert client.get(f"/notifications/{mine.pk}/lu/").status_code == 405
    response = client.post(f"/notifications/{mine.pk}/lu/", {"open": "1"})
    assert response["Location"] == "/notifications/preferences/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, cast):
    alert_for(cast.pupil)
    alert_for(cast.pupil)
    client.force_login(cast.pupil)
    response = client.post("/notifications/tout-lu/")
    assert response["Location"] == INBOX
    assert not Notification.objects.filter(read_at=None).exists()
    assert 'id="read-all"' not in client.get(INBOX).content.decode()


def test_the_settings_page_offers_only_the_channels_the_school_allows(client, cast, grants):
    cast.guardian.phone_mobile = "0612345678"
    cast.guardian.email = "paul@example.test"
    cast.guardian.save(update_fields=["phone_mobile", "email"])
    client.force_login(cast.guardian)
    page = client.get(SETTINGS).content.decode()
    assert f'name="{ALERT}__sms"' in page
    client.force_login(cast.pupil)
    page = client.get(SETTINGS).content.decode()
    assert f'name="{ALERT}__sms"' not in page
    assert 'data-channel="sms" data-allowed="0"' in page
    set_channel_policy(actor=cast.head, school=cast.school, channel="sms", profiles=[])
    client.force_login(cast.guardian)
    page = client.get(SETTINGS).content.decode()
    assert f'name="{ALERT}__sms"' not in page
    # A forged field for a forbidden channel changes nothing.
    client.post(SETTINGS, {f"{ALERT}__sms": "on", f"{ALERT}__app": "on"})
    assert not ChannelPreference.objects.filter(channel="sms").exists()


def test_the_settings_page_saves_only_what_changed(client, cast):
    cast.guardian.email = "paul@example.test"
    cast.guardian.save(update_fields=["email"])
    client.force_login(cast.guardian)
    # The defaults of an alert: in the ENT and by e-mail. Untick e-mail, tick the digest.
    response = client.post(SETTINGS, {f"{ALERT}__app": "on", f"{ALERT}__digest": "on"})
    assert response.status_code == 302
    saved = dict(ChannelPreference.objects.filter(kind=ALERT).values_list("channel", "is_enabled"))
    assert saved == {"email": False, "digest": True}


def test_the_alert_page_matrix(client, cast, grants):
    path = f"/notifications/alerte/{cast.school.pk}/"
    client.force_login(cast.outsider)
    assert client.get(path).status_code == 403
    client.force_login(cast.teacher)
    assert client.get(path).status_code == 403
    client.force_login(cast.head)
    assert client.get(f"/notifications/alerte/{cast.other_school.pk}/").status_code == 403
    response = client.get(path)
    assert response.status_code == 200
    assert 'value="guardians"' in response.content.decode()
    assert client.post(path, {"title": ""}).status_code == 422
    assert not Notification.objects.exists()
    response = client.post(path, {"audiences": ["staff"], "title": "Réunion", "body": "17 h"})
    assert response.status_code == 302
    assert Notification.objects.count() == 3
