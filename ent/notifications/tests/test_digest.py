"""The e-mail digest (`ent notifications digest`): one e-mail per person, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from ent.notifications.actions import mark_read, save_preferences, send_digests
from ent.notifications.models import LastDigest, Notification

from .factories import alert_for

ALERT = "school.alert"
MONDAY = datetime(2025, 3, 3, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def reader(cast):
    """The teacher, with an address, who chose the daily digest for school alerts."""
    cast.teacher.email = "agnes@example.test"
    cast.teacher.save(update_fields=["email"])
    save_preferences(
        actor=cast.teacher,
        person=cast.teacher,
        choices={(ALERT, "digest"): True, (ALERT, "email"): False},
    )
    return cast.teacher


@pytest.mark.sdet("UTI-UTL-NOT-01")
def test_the_digest_lists_unread_notifications_once(cast, reader, mailoutbox):
    cast.head.email = "head@example.test"
    cast.head.save(update_fields=["email"])
    with time_machine.travel(MONDAY, tick=False):
        alert_for(reader, cast.head, title="Conseil de classe")
        alert_for(reader, title="Déjà lu")
        mark_read(actor=reader, notification=Notification.objects.get(title="Déjà lu"))
    with time_machine.travel(MONDAY + timedelta(hours=10), tick=False):
        assert send_digests() == 1
        assert send_digests() == 0
    (mail,) = mailoutbox
    assert mail.to == ["agnes@example.test"]
    assert "Conseil de classe" in mail.body
    assert "Déjà lu" not in mail.body
    assert "/notifications/" in mail.body
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        alert_for(reader, title="Sortie au musée")
    with time_machine.travel(MONDAY + timedelta(days=1, hours=1), tick=False):
        assert send_digests() == 1
    latest = mailoutbox[-1]
    assert "Sortie au musée" in latest.body
    assert "Conseil de classe" not in latest.body
    assert LastDigest.objects.get(person=reader).covered_until == MONDAY + timedelta(
        days=1, hours=1
    )


def test_the_digest_skips_people_without_the_choice_or_an_address(cast, reader, mailoutbox):
    reader.email = ""
    reader.save(update_fields=["email"])
    alert_for(reader, cast.pupil)
    assert send_digests() == 0
    assert mailoutbox == []


def test_a_failed_digest_is_tried_again_next_run(reader, mailoutbox, monkeypatch):
    alert_for(reader, title="Réunion")

    def broken(self, *args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert send_digests() == 0
    assert not LastDigest.objects.exists()
    monkeypatch.undo()
    assert send_digests() == 1
    assert "Réunion" in mailoutbox[0].body


def test_the_digest_command_is_idempotent(reader, mailoutbox):
    alert_for(reader, title="Réunion")
    out = StringIO()
    call_command("notifications", "digest", stdout=out)
    call_command("notifications", "digest", stdout=out)
    assert out.getvalue().splitlines() == ["1 digest(s) sent.", "0 digest(s) sent."]
    assert len(mailoutbox) == 1


def test_the_retry_command_reports_what_it_did(cast):
    out = StringIO()
    call_command("notifications", "retry", stdout=out)
    assert out.getvalue().strip() == "Retried deliveries: none."
