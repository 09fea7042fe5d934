"""The timetable as iCalendar: the session download and the secret subscription address."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ent.timetable.actions import issue_feed_token
from ent.timetable.importers import ical
from ent.timetable.models import LessonStatus

from .factories import make_lesson


def soon(hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=3)
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_the_download_is_icalendar_that_reads_back(client, tt):
    lesson = make_lesson(
        division=tt.cast.school_class,
        starts_at=soon(8),
        teachers=(tt.cast.teacher,),
        room="Salle 1, bât. A; RDC",
    )
    make_lesson(division=tt.cast.school_class, starts_at=soon(10), status=LessonStatus.CANCELLED)
    client.force_login(tt.cast.guardian)  # a guardian's calendar holds the children's lessons
    response = client.get(reverse("timetable:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    rows = ical.parse(response.content).rows
    assert [row.starts_at for row in rows] == [lesson.starts_at, soon(10)]
    assert rows[0].room == "Salle 1, bât. A; RDC"
    assert [row.is_cancelled for row in rows] == [False, True]
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))


def test_the_subscription_address_works_until_revoked(client, tt):
    make_lesson(division=tt.cast.school_class, starts_at=soon(8))
    client.force_login(tt.cast.pupil)
    page = client.post(reverse("timetable:subscription")).content.decode()
    address = page.split('id="subscription-address"')[1].split('value="')[1].split('"')[0]
    assert "/emploi-du-temps/flux/" in address
    assert (
        address not in client.get(reverse("timetable:subscription")).content.decode()
    )  # shown once
    client.logout()
    path = address.split("testserver", 1)[1]
    feed = client.get(path)
    assert feed.status_code == 200
    assert b"BEGIN:VEVENT" in feed.content
    client.force_login(tt.cast.pupil)
    assert client.post(reverse("timetable:subscription-revoke")).status_code == 302
    client.logout()
    assert client.get(path).status_code == 404


def test_the_address_stops_with_the_account_and_unknown_tokens_are_404(client, tt):
    token = issue_feed_token(actor=tt.cast.pupil)
    path = reverse("timetable:feed", args=[token])
    assert client.get(path).status_code == 200
    tt.cast.pupil.is_active = False
    tt.cast.pupil.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404
    assert client.get(reverse("timetable:feed", args=["not-a-token"])).status_code == 404
