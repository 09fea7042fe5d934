from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ent.announcements.models import Announcement, Status

from .factories import published

URL = "/api/v1/announcements"


def _body(school, **fields):
    values = {
        "school_id": school.pk,
        "title": "Fermeture du CDI jeudi",
        "body": "<p>Fermé</p>",
        "ends_at": (timezone.now() + timedelta(days=3)).isoformat(),
        "whole_community": True,
    }
    return values | fields


def test_anonymous_gets_401(client, world):
    assert client.get(URL).status_code == 401


@pytest.mark.sdet("UTI-CCO-AIN-01", "UTI-CCO-AIN-02", "UTI-CCO-AIN-04")
def test_write_submit_validate_through_the_api(client, world, fabre):
    cast = world.cast
    client.force_login(fabre)
    response = client.post(URL, _body(cast.school, submit=True), content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    assert response.json()["status"] == Status.SUBMITTED
    refused = client.post(f"{URL}/{pk}/validate", content_type="application/json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    client.force_login(cast.head)
    done = client.post(f"{URL}/{pk}/validate", content_type="application/json")
    assert done.status_code == 200
    assert done.json()["validated_by_id"] == cast.head.pk
    client.force_login(cast.pupil)
    assert [item["id"] for item in client.get(URL).json()] == [pk]
    assert client.get(f"{URL}/{pk}").status_code == 200


def test_bad_input_answers_422_and_writes_nothing(client, world, fabre):
    cast = world.cast
    client.force_login(fabre)
    now = timezone.now()
    bad = [
        _body(cast.school, ends_at=None),
        _body(
            cast.school, starts_at=now.isoformat(), ends_at=(now - timedelta(days=1)).isoformat()
        ),
        _body(cast.school, ends_at=(now + timedelta(days=400)).isoformat()),
        _body(cast.school, ends_at="tomorrow"),
        _body(cast.school, duration_days=0, ends_at=None),
        _body(cast.school, school_id=2**40),
    ]
    for body in bad:
        response = client.post(URL, body, content_type="application/json")
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert not Announcement.objects.exists()


def test_a_non_author_gets_403_and_an_outsider_404(client, world, fabre):
    cast = world.cast
    client.force_login(cast.pupil)
    assert client.post(URL, _body(cast.school), content_type="application/json").status_code == 403
    item = published(fabre, cast.head, cast.school)
    client.force_login(cast.outsider)
    assert client.get(f"{URL}/{item.pk}").status_code == 404
    assert client.post(f"{URL}/{item.pk}/withdraw").status_code == 404
    client.force_login(cast.teacher)
    assert client.post(f"{URL}/{item.pk}/withdraw").status_code == 403
    assert (
        client.post(f"{URL}/{item.pk}/reject", {}, content_type="application/json").status_code
        == 403
    )
    assert client.get(f"{URL}/{10**9}").status_code == 404


def test_the_head_accepts_local_authority_news(client, world, authority):
    cast = world.cast
    client.force_login(authority)
    body = _body(cast.school, school_id=None, offered_to=[cast.school.pk], submit=True)
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    client.force_login(cast.pupil)
    assert client.get(URL).json() == []
    client.force_login(cast.head)
    accepted = client.post(
        f"{URL}/{pk}/accept", {"school_id": cast.school.pk}, content_type="application/json"
    )
    assert accepted.status_code == 200
    client.force_login(cast.pupil)
    assert [item["id"] for item in client.get(URL).json()] == [pk]
