"""The forums' pages: the permission matrix, refusals that say why, bad input answered 422
or 404, and query counts that do not grow with the size of a thread."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.directory.models import Profile
from ent.forums.models import Post, Space, Subscription
from ent.rights.tests.factories import person_in

from .factories import club, reply, thread

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(f"forums:{name}", args=args)


def as_(client, person):
    client.logout()
    if person is not None:
        client.force_login(person)
    return client


@pytest.fixture
def space(world):
    return club(world.cast.teacher, world.cast.pupil)


@pytest.fixture
def first(world, space):
    return thread(world.cast.pupil, space)


def test_anonymous_visitors_are_sent_to_the_login_page(client, space, first):
    for path in (
        url("home"),
        url("space", space.pk),
        url("thread", first.pk),
        url("members", space.pk),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response["Location"]
    assert (
        client.post(url("thread-create", space.pk), {"subject": "a", "body": "b"}).status_code
        == 302
    )
    assert client.get("/api/v1/forums/spaces").status_code == 401
    assert Post.objects.count() == 1


def test_people_without_the_service_get_403(client, world, space):
    guest = person_in(world.cast.school, Profile.GST)
    for path in (url("home"), url("space", space.pk), url("space-create")):
        assert as_(client, guest).get(path).status_code == 403
    assert as_(client, guest).get("/api/v1/forums/spaces").status_code == 403


@pytest.mark.sdet("UTI-CCO-EEC-01")
def test_outsiders_and_non_members_get_404(client, world, space, first):
    for person in (world.cast.outsider, world.tom, world.cast.guardian):
        c = as_(client, person)
        for path in (
            url("space", space.pk),
            url("thread", first.pk),
            url("members", space.pk),
            url("delivery", space.pk),
            url("archive", space.pk, "txt"),
        ):
            assert c.get(path).status_code == 404, (person, path)
        response = c.post(url("thread-create", space.pk), {"subject": "Intrus", "body": "Bonjour"})
        assert response.status_code == 404
        assert c.post(url("post-reply", first.pk), {"body": "Bonjour"}).status_code == 404
    assert Post.objects.count() == 1


@pytest.mark.sdet("UTI-CCO-EEC-01", "UTI-CCO-EEC-12")
def test_members_who_do_not_manage_get_403_on_managing_pages(client, world, space, first):
    c = as_(client, world.cast.pupil)
    assert c.get(url("space", space.pk)).status_code == 200
    for path in (
        url("members", space.pk),
        url("space-edit", space.pk),
        url("space-delete", space.pk),
    ):
        assert c.get(path).status_code == 403
    assert c.post(url("space-delete", space.pk)).status_code == 403
    assert c.post(url("post-hide", first.pk)).status_code == 403
    assert c.post(url("invite", space.pk), {"person": world.tom.pk}).status_code == 403
    pupils = as_(client, world.cast.pupil).get(url("space-create"))
    assert pupils.status_code == 403
    assert Space.objects.filter(pk=space.pk).exists()


def test_managers_use_every_managing_page(client, world, space, first):
    c = as_(client, world.cast.teacher)
    for path in (
        url("home"),
        url("space-create"),
        url("space", space.pk),
        url("space", space.pk) + "?vue=date",
        url("thread", first.pk),
        url("members", space.pk) + "?q=Tom",
        url("space-edit", space.pk),
        url("space-delete", space.pk),
        url("delivery", space.pk),
    ):
        assert c.get(path).status_code == 200, path
    response = c.post(
        url("space-edit", space.pk), {"title": "Club de maths", "access_rule": "OPEN"}
    )
    assert response.status_code == 302
    assert Space.objects.get(pk=space.pk).title == "Club de maths"
    assert c.post(url("post-hide", first.pk)).status_code == 302
    page = as_(client, world.cast.pupil).get(url("thread", first.pk)).content.decode()
    assert "data-hidden" in page
    assert first.body not in page


@pytest.mark.sdet("UTI-CCO-EEC-07")
def test_empty_or_oversized_posts_answer_422_with_a_message(client, world, space, first):
    c = as_(client, world.cast.pupil)
    for data in ({"subject": "", "body": "x"}, {"subject": "Sujet", "body": ""}):
        response = c.post(url("thread-create", space.pk), data)
        assert response.status_code == 422
        assert 'role="alert"' in response.content.decode()
    response = c.post(url("post-reply", first.pk), {"body": "x" * 10001})
    assert response.status_code == 422
    assert "10000" in response.content.decode()
    assert c.post(url("post-reply", first.pk), {"body": "   "}).status_code == 422
    assert Post.objects.count() == 1


@pytest.mark.sdet("UTI-CCO-EEC-02")
def test_an_invitation_the_rules_forbid_is_refused_clearly(client, world, space):
    c = as_(client, world.cast.teacher)
    response = c.post(url("invite", space.pk), {"person": world.cast.outsider.pk})
    assert response.status_code == 403
    assert 'id="members-error"' in response.content.decode()
    # The directory search only offers people the rules allow.
    found = c.get(url("members", space.pk), {"q": "Autre"}).content.decode()
    assert f'data-person="{world.cast.outsider.pk}"' not in found
    assert c.post(url("invite", space.pk), {"person": "abc"}).status_code == 422
    assert c.post(url("invite-list", space.pk), {"list_key": "class-0-pupils"}).status_code == 422
    assert not Subscription.objects.filter(person=world.cast.outsider).exists()


def test_bad_member_dates_and_pauses_answer_422(client, world, space):
    c = as_(client, world.cast.teacher)
    lea = Subscription.objects.get(space=space, person=world.cast.pupil)
    response = c.post(url("member-update", lea.pk), {"role": "MEMBER", "valid_until": "2001-01-01"})
    assert response.status_code == 422
    assert c.post(url("member-update", lea.pk), {"role": "KING"}).status_code == 422
    response = c.post(
        url("delivery", space.pk),
        {"pause_starts_on": "2030-05-10", "pause_ends_on": "2030-05-01"},
    )
    assert response.status_code == 422
    assert c.get(url("archive", space.pk, "pdf")).status_code == 404
    lea.refresh_from_db()
    assert lea.valid_until is None


@pytest.mark.sdet("UTI-CCO-EEC-08")
def test_members_download_the_archive(client, world, space, first):
    response = as_(client, world.cast.teacher).get(url("archive", space.pk, "txt"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert first.body in text
    assert world.cast.pupil.display_name not in text


@pytest.mark.sdet("UTI-CCO-EEC-04")
def test_the_thread_and_space_pages_need_the_same_queries_whatever_their_size(
    client, world, space, first
):
    c = as_(client, world.cast.teacher)
    reply(world.cast.teacher, first)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(path).status_code == 200
        return len(queries)

    c.get(url("home"))  # the session's first request loads what later ones reuse
    small = (count(url("thread", first.pk)), count(url("space", space.pk)), count(url("home")))
    parent = first
    for number in range(15):
        parent = reply(world.cast.pupil if number % 2 else world.cast.teacher, parent, f"n{number}")
        thread(world.cast.teacher, space, subject=f"Sujet {number}")
    large = (count(url("thread", first.pk)), count(url("space", space.pk)), count(url("home")))
    assert small == large
    assert large == (15, 15, 17)
