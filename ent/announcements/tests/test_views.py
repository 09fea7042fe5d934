from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ent.announcements.models import Announcement, Kind, Status
from ent.rights.testing import ungated_views

from .factories import published


def _form(where, **fields):
    values = {
        "school": str(where.pk),
        "kind": "NEWS",
        "title": "Fermeture du CDI jeudi",
        "body": "Le CDI sera fermé jeudi.",
        "ends_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "whole_community": "on",
    }
    return values | fields


def test_every_page_is_gated():
    assert [route for route in ungated_views() if route.startswith("actualites/")] == []


def test_anonymous_is_sent_to_the_login_page(client, world):
    for name in ("announcements:home", "announcements:write"):
        assert client.get(reverse(name)).status_code == 302


@pytest.mark.sdet("UTI-CCO-AIN-01", "UTI-CCO-AIN-04")
def test_an_author_writes_and_the_head_validates_from_the_pages(client, world, fabre):
    cast = world.cast
    client.force_login(fabre)
    assert client.get(reverse("announcements:write")).status_code == 200
    response = client.post(reverse("announcements:write"), _form(cast.school, submit="1"))
    item = Announcement.objects.get()
    assert response.status_code == 302
    assert item.status == Status.SUBMITTED
    last_day = timezone.localdate() + timedelta(days=3)
    assert timezone.localtime(item.ends_at) == timezone.make_aware(
        datetime.combine(last_day + timedelta(days=1), time.min)
    )
    detail = reverse("announcements:detail", args=[item.pk])
    assert client.post(reverse("announcements:validate", args=[item.pk])).status_code == 403
    client.force_login(cast.pupil)
    assert client.get(detail).status_code == 404
    client.force_login(cast.head)
    page = client.get(reverse("announcements:home")).content.decode()
    assert 'id="to-validate"' in page
    assert client.post(reverse("announcements:validate", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.validated_by) == (Status.VALIDATED, cast.head)
    client.force_login(cast.pupil)
    page = client.get(reverse("announcements:home")).content.decode()
    assert "Fermeture du CDI jeudi" in page
    assert client.get(detail).status_code == 200


@pytest.mark.sdet("UTI-CCO-AIN-02")
def test_bad_dates_answer_422_with_a_clear_message(client, world, fabre):
    cast = world.cast
    client.force_login(fabre)
    url = reverse("announcements:write")
    no_end = client.post(url, _form(cast.school, ends_on=""))
    assert no_end.status_code == 422
    assert any(word in no_end.content.decode() for word in ("forever", "indéfiniment"))
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert client.post(url, _form(cast.school, ends_on=past)).status_code == 422
    far = (timezone.localdate() + timedelta(days=500)).isoformat()
    assert client.post(url, _form(cast.school, ends_on=far)).status_code == 422
    assert client.post(url, _form(cast.school, ends_on="not-a-date")).status_code == 422
    assert client.post(url, _form(cast.school, school="999999")).status_code == 422
    assert not Announcement.objects.exists()


def test_people_who_may_not_write_get_403(client, world):
    cast = world.cast
    for person in (cast.pupil, cast.guardian):
        client.force_login(person)
        assert client.get(reverse("announcements:write")).status_code == 403
        assert client.post(reverse("announcements:write"), _form(cast.school)).status_code == 403
    assert not Announcement.objects.exists()


def test_the_author_cannot_validate_and_an_outsider_sees_nothing(client, world, fabre):
    cast = world.cast
    item = published(fabre, cast.head, cast.school)
    client.force_login(cast.outsider)
    assert client.get(reverse("announcements:detail", args=[item.pk])).status_code == 404
    assert client.post(reverse("announcements:withdraw", args=[item.pk])).status_code == 404
    client.force_login(fabre)
    response = client.post(reverse("announcements:withdraw", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.WITHDRAWN


@pytest.mark.sdet("UTI-CCO-AIN-01")
def test_alerts_show_as_a_banner_on_every_page_with_one_query(client, world, fabre):
    cast = world.cast
    published(fabre, cast.head, cast.school, kind=Kind.ALERT, title="Alerte météo")
    published(fabre, cast.head, cast.school, title="Portes ouvertes")
    client.force_login(cast.guardian)
    for path in ("/", reverse("directory:home"), reverse("moderation:home")):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(path).content.decode()
        assert 'id="alert-banner"' in page, path
        assert "Alerte météo" in page
        reading = [q for q in queries.captured_queries if "announcements_announcement" in q["sql"]]
        assert len(reading) == 1, path
    home = client.get("/").content.decode()
    assert 'id="news-widget"' in home
    assert "Portes ouvertes" in home
    client.force_login(cast.outsider)
    assert 'id="alert-banner"' not in client.get("/").content.decode()


def test_the_news_page_reads_in_a_fixed_number_of_queries(
    client, world, fabre, django_assert_max_num_queries
):
    cast = world.cast
    for number in range(5):
        published(fabre, cast.head, cast.school, title=f"Info {number}")
    client.force_login(cast.head)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("announcements:home")).content.decode()
    assert page.count('data-announcement="') >= 5
