"""The REST API of the cahier de textes: the same rules and actions as the pages, problem+json
errors."""

from __future__ import annotations

from datetime import date

import pytest

from ent.lesson_log.actions import WorkInput
from ent.lesson_log.models import LessonEntry
from ent.rights.tests.factories import guardian_of

from .factories import lesson, teacher_in

API = "/api/v1/lesson-log"
TUESDAY = date(2026, 3, 10)
FRIDAY = date(2026, 3, 13)


@pytest.fixture
def entry(world, clock):
    return lesson(
        world.cast.teacher,
        world.cast.school_class,
        on=TUESDAY,
        work=(WorkInput("Fiche 5", FRIDAY, estimated_minutes=30),),
    )


def _payload(target: str, **extra) -> dict:
    return {
        "target": target,
        "date": "2026-03-10",
        "starts_at": "10:00:00",
        "title": "La guerre froide",
        "status": "PUBLISHED",
        "work": [{"instructions": "Apprendre", "due_on": "2026-03-13"}],
    } | extra


def test_anonymous_gets_401_problem(client, world, entry):
    response = client.get(f"{API}/week")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_person_without_the_service_gets_403(client, world, entry):
    client.force_login(world.cast.school_admin)
    assert client.get(f"{API}/week").status_code == 403


def test_the_pupils_week(client, world, entry):
    client.force_login(world.cast.pupil)
    body = client.get(f"{API}/week", {"week": "2026-03-12"}).json()
    assert body["monday"] == "2026-03-09"
    tuesday = body["days"][1]
    assert [item["title"] for item in tuesday["entries"]] == ["Les Lumières"]
    assert tuesday["entries"][0]["homework"][0]["estimated_minutes"] == 30
    assert [item["instructions"] for item in body["days"][4]["due"]] == ["Fiche 5"]


def test_the_guardians_homework_per_child(client, world, entry):
    cast = world.cast
    guardian_of(world.martin, cast.guardian)
    client.force_login(cast.guardian)
    response = client.get(f"{API}/homework", {"from": "2026-03-09", "pupil": cast.pupil.pk})
    assert [item["instructions"] for item in response.json()] == ["Fiche 5"]
    assert client.get(f"{API}/homework", {"pupil": world.tom.pk}).status_code == 404


def test_reading_an_entry_or_a_log_one_may_not_see_is_404(client, world, entry):
    client.force_login(world.tom)
    assert client.get(f"{API}/entries/{entry.pk}").status_code == 404
    assert client.get(f"{API}/logs/{entry.log_id}/entries").status_code == 404
    client.force_login(world.cast.pupil)
    assert client.get(f"{API}/entries/{entry.pk}").json()["title"] == "Les Lumières"
    listing = client.get(f"{API}/logs/{entry.log_id}/entries", {"week": "2026-03-10"})
    assert [item["id"] for item in listing.json()] == [entry.pk]


def test_a_teacher_posts_an_entry(client, world, clock):
    client.force_login(world.cast.teacher)
    response = client.post(
        f"{API}/entries",
        _payload(f"class-{world.class_4b.pk}"),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["subject_code"] == "HG"
    assert body["homework"][0]["due_on"] == "2026-03-13"


def test_posting_to_5ec_is_a_403_problem_and_saves_nothing(client, world, clock):
    client.force_login(world.cast.teacher)
    response = client.post(
        f"{API}/entries", _payload(f"class-{world.class_5c.pk}"), content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "5eC" in response.json()["detail"]
    assert not LessonEntry.objects.exists()


def test_a_due_date_before_the_lesson_is_a_422_problem(client, world, clock):
    client.force_login(world.cast.teacher)
    payload = _payload(
        f"class-{world.class_4b.pk}", work=[{"instructions": "x", "due_on": "2026-03-01"}]
    )
    response = client.post(f"{API}/entries", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not LessonEntry.objects.exists()


def test_guardians_and_pupils_never_post(client, world, clock):
    teacher_in(world.cast.school_class, "HG", login="autre.hg")
    client.force_login(world.cast.guardian)
    response = client.post(
        f"{API}/entries",
        _payload(f"class-{world.cast.school_class.pk}"),
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(world.cast.pupil)
    response = client.post(
        f"{API}/entries",
        _payload(f"class-{world.cast.school_class.pk}"),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not LessonEntry.objects.exists()


def test_a_target_in_a_foreign_school_is_404(client, world, clock):
    client.force_login(world.cast.outsider)
    world.cast.outsider.assignments.create(school_class=world.class_6b, subject_code="HG")
    response = client.post(
        f"{API}/entries", _payload(f"class-{world.class_4b.pk}"), content_type="application/json"
    )
    assert response.status_code == 404
