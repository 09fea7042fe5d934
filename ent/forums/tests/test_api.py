"""The forums' JSON API: spaces, threads, posts, post; 401/403/404/422 as problem documents."""

from __future__ import annotations

import pytest

from ent.directory.models import Profile
from ent.forums.models import Post
from ent.rights.tests.factories import person_in

from .factories import club, reply, thread

pytestmark = pytest.mark.django_db
BASE = "/api/v1/forums"


def as_(client, person):
    client.logout()
    if person is not None:
        client.force_login(person)
    return client


def post_json(client, path: str, data: dict):
    return client.post(path, data, content_type="application/json")


@pytest.mark.sdet("UTI-CCO-EEC-04", "UTI-CCO-EEC-07")
def test_members_read_their_spaces_threads_and_posts(client, world, django_assert_max_num_queries):
    cast = world.cast
    space = club(cast.teacher, cast.pupil)
    first = thread(cast.pupil, space, body="Voir https://eduscol.education.fr")
    answer = reply(cast.teacher, first)
    c = as_(client, cast.pupil)
    spaces = c.get(f"{BASE}/spaces").json()
    assert [(s["id"], s["threads"], s["role"]) for s in spaces] == [(space.pk, 1, "MEMBER")]
    threads = c.get(f"{BASE}/spaces/{space.pk}/threads").json()
    assert [(t["id"], t["replies"]) for t in threads] == [(first.pk, 1)]
    with django_assert_max_num_queries(12):
        posts = c.get(f"{BASE}/threads/{first.pk}/posts").json()
    assert [(p["id"], p["parent_id"]) for p in posts] == [(first.pk, None), (answer.pk, first.pk)]
    assert '<a href="https://eduscol.education.fr"' in posts[0]["body_html"]


def test_writing_through_the_api(client, world):
    cast = world.cast
    space = club(cast.teacher, cast.pupil, access_rule="OPEN")
    c = as_(client, cast.pupil)
    created = post_json(c, f"{BASE}/spaces/{space.pk}/threads", {"subject": "Q", "body": "?"})
    assert created.status_code == 201
    first_id = created.json()["id"]
    answered = post_json(c, f"{BASE}/posts/{first_id}/replies", {"body": "!"})
    assert answered.status_code == 201
    assert answered.json()["parent_id"] == first_id
    joined = post_json(as_(client, world.tom), f"{BASE}/spaces/{space.pk}/join", {})
    assert joined.status_code == 201
    assert joined.json()["status"] == "ACTIVE"


@pytest.mark.sdet("UTI-CCO-EEC-07")
def test_bad_input_and_strangers_get_problem_documents(client, world):
    cast = world.cast
    space = club(cast.teacher, cast.pupil)
    first = thread(cast.pupil, space)
    assert client.get(f"{BASE}/spaces").status_code == 401
    guest = person_in(cast.school, Profile.GST)
    assert as_(client, guest).get(f"{BASE}/spaces").status_code == 403
    c = as_(client, world.tom)
    for path in (f"{BASE}/spaces/{space.pk}/threads", f"{BASE}/threads/{first.pk}/posts"):
        assert c.get(path).status_code == 404
    refused = post_json(c, f"{BASE}/spaces/{space.pk}/threads", {"subject": "x", "body": "y"})
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    c = as_(client, cast.pupil)
    empty = post_json(c, f"{BASE}/posts/{first.pk}/replies", {"body": "  "})
    assert empty.status_code == 422
    assert empty.json()["detail"]
    huge = post_json(c, f"{BASE}/posts/{first.pk}/replies", {"body": "x" * 10001})
    assert huge.status_code == 422
    assert "10000" in huge.json()["detail"]
    assert post_json(c, f"{BASE}/posts/{first.pk}/replies", {}).status_code == 422
    assert Post.objects.count() == 1
