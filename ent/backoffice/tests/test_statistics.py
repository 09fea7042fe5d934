"""Usage statistics: connections per profile and day, use of each service; counters only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from ent.audit.actions import count_use

from .factories import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(cast):
    """Three days of use in school X, and some in school Y that X must not see."""
    today = timezone.localdate()
    x, y = cast.school.pk, cast.other_school.pk
    for _ in range(3):
        count_use(service="login", profiles=[(x, "ELV")], day=today)
    count_use(service="login", profiles=[(x, "ENS"), (y, "TUT")], day=today)
    count_use(service="login", profiles=[(x, "ELV")], day=today - timedelta(days=1))
    count_use(service="login", profiles=[(x, "ENS")], day=today - timedelta(days=40))
    count_use(service="lesson_log", profiles=[(x, "ELV")], day=today)
    count_use(service="lesson_log", profiles=[(x, "ENS")], day=today - timedelta(days=2))
    count_use(service="lesson_log", profiles=[(y, "ENS")], day=today)
    return today


def test_the_last_30_days_show_connections_per_profile_and_day(client, cast, defaults, counted):
    today = counted
    client.force_login(cast.head)
    response = client.get(page("statistics", cast.school))
    usage = response.context["usage"]
    assert (usage.start, usage.end) == (today - timedelta(days=29), today)
    assert [label for code, label in usage.profiles] == ["élève", "enseignant"]
    lines = {line.key: line.counts for line in usage.connections}
    assert lines == {
        (today - timedelta(days=1)).isoformat(): (1, 0),
        today.isoformat(): (3, 1),
    }
    assert usage.connection_totals == (4, 1)
    assert usage.connection_total == 5
    services = {line.key: line.counts for line in usage.services}
    assert services == {"lesson_log": (1, 1)}
    assert f'data-day="{today.isoformat()}"'.encode() in response.content


def test_a_chosen_period_and_a_wrong_one(client, cast, defaults, counted):
    today = counted
    client.force_login(cast.school_admin)
    start = (today - timedelta(days=45)).isoformat()
    response = client.get(page("statistics", cast.school), {"start": start, "end": start})
    assert response.context["usage"].connections == ()
    start = (today - timedelta(days=40)).isoformat()
    response = client.get(page("statistics", cast.school), {"start": start, "end": start})
    assert [line.counts for line in response.context["usage"].connections] == [(1,)]
    response = client.get(
        page("statistics", cast.school), {"start": today.isoformat(), "end": "2001-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["usage"].start == today - timedelta(days=29)
    too_long = (today - timedelta(days=400)).isoformat()
    response = client.get(page("statistics", cast.school), {"start": too_long})
    assert response.context["form"].errors


@pytest.mark.parametrize(
    "period",
    [{"end": "0001-01-01"}, {"start": "0001-01-01", "end": "0001-01-05"}, {"end": "9999-12-31"}],
)
def test_a_day_at_the_limits_of_the_calendar_is_refused_like_a_wrong_period(
    client, cast, defaults, counted, period
):
    client.force_login(cast.head)
    response = client.get(page("statistics", cast.school), period)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["usage"].start == counted - timedelta(days=29)
    response = client.get(page("statistics-csv", cast.school), period)
    assert response.status_code == 200
    assert f"-{counted.isoformat()}.csv" in response["Content-Disposition"]


def test_the_csv_export_carries_the_counters_of_the_school_and_no_one(
    client, cast, defaults, counted
):
    today = counted
    client.force_login(cast.head)
    response = client.get(page("statistics-csv", cast.school))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["day", "profile", "service", "count"],
        [(today - timedelta(days=2)).isoformat(), "ENS", "lesson_log", "1"],
        [(today - timedelta(days=1)).isoformat(), "ELV", "login", "1"],
        [today.isoformat(), "ELV", "lesson_log", "1"],
        [today.isoformat(), "ELV", "login", "3"],
        [today.isoformat(), "ENS", "login", "1"],
    ]
    body = response.content.decode()
    assert cast.pupil.login not in body
    assert "TUT" not in body


def test_the_statistics_cost_the_same_whatever_the_amount_of_use(
    client, cast, defaults, counted, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.head)
    client.get(page("statistics", cast.school))
    with CaptureQueriesContext(connection) as first:
        client.get(page("statistics", cast.school))
    for days in range(3, 20):
        count_use(
            service="support",
            profiles=[(cast.school.pk, "DIR"), (cast.school.pk, "ETA")],
            day=counted - timedelta(days=days),
        )
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(page("statistics", cast.school))
    assert len(response.context["usage"].profiles) == 4


def test_a_sign_in_through_the_login_page_counts_one_connection(client, cast, defaults):
    from django.urls import reverse

    from .factories import PASSWORD

    answer = client.__class__().post(
        reverse("identity:login"), {"username": cast.pupil.login, "password": PASSWORD}
    )
    assert answer.status_code == 302
    client.force_login(cast.head)
    usage = client.get(page("statistics", cast.school)).context["usage"]
    assert [code for code, _label in usage.profiles] == ["ELV"]
    assert usage.connection_total == 1
