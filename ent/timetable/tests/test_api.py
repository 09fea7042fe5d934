"""GET /api/v1/timetable/week: the same rules as the pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ent.rights.actions import revoke_grant
from ent.rights.models import ServiceGrant
from ent.timetable.models import LessonStatus

from .factories import make_lesson

URL = "/api/v1/timetable/week"


def tuesday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(days=8)


def at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)


def test_anonymous_callers_get_401(client, tt):
    assert client.get(URL).status_code == 401


def test_callers_without_the_service_get_403(client, tt):
    for grant in ServiceGrant.objects.filter(service="timetable", profile="ELV"):
        revoke_grant(actor=None, grant=grant)
    client.force_login(tt.cast.pupil)
    assert client.get(URL).status_code == 403


def test_another_familys_child_is_404(client, tt):
    client.force_login(tt.cast.outsider)
    response = client.get(URL, {"child": str(tt.cast.pupil.uuid)})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.sdet("UTI-AVE-EDT-01")
def test_a_pupil_gets_her_week_and_a_guardian_his_childs(client, tt):
    day = tuesday()
    lesson = make_lesson(
        division=tt.cast.school_class, starts_at=at(day, 8), teachers=(tt.cast.teacher,)
    )
    replacement = make_lesson(division=tt.cast.school_class, starts_at=at(day, 14))
    moved = make_lesson(
        division=tt.cast.school_class,
        starts_at=at(day, 10),
        status=LessonStatus.MOVED,
        moved_to=replacement,
    )
    make_lesson(division=tt.world.class_5c, starts_at=at(day, 8))
    client.force_login(tt.cast.pupil)
    body = client.get(URL, {"date": day.isoformat()}).json()
    assert body["starts_on"] == (day - timedelta(days=1)).isoformat()
    assert [item["id"] for item in body["lessons"]] == [lesson.pk, moved.pk, replacement.pk]
    first = body["lessons"][0]
    assert (first["class_code"], first["subject"], first["teachers"]) == (
        "3A",
        "MATHEMATIQUES",
        ["Agnès Dupont"],
    )
    assert body["lessons"][1]["moved_to"]["id"] == replacement.pk
    client.force_login(tt.cast.guardian)
    child = client.get(URL, {"date": day.isoformat(), "child": str(tt.cast.pupil.uuid)}).json()
    assert [item["id"] for item in child["lessons"]] == [lesson.pk, moved.pk, replacement.pk]


def test_the_week_endpoint_costs_the_same_queries_for_more_lessons(
    client, tt, django_assert_num_queries
):
    day = tuesday()
    make_lesson(division=tt.cast.school_class, starts_at=at(day, 8), teachers=(tt.cast.teacher,))
    client.force_login(tt.cast.pupil)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(URL, {"date": day.isoformat()})  # the first call of a session records its use
    with CaptureQueriesContext(connection) as one:
        client.get(URL, {"date": day.isoformat()})
    for hour in range(9, 17):
        make_lesson(
            division=tt.group, starts_at=at(day, hour), teachers=(tt.cast.teacher, tt.world.cpe)
        )
    with django_assert_num_queries(len(one)):
        assert len(client.get(URL, {"date": day.isoformat()}).json()["lessons"]) == 9
