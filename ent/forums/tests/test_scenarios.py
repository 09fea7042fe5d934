"""Scenarios 9 and 10 of spec-utilisateur.md, through the pages and the API as people use them:
forum creation, invitation and reading; subscription rules on a moved clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from ent.forums.models import Space, Subscription
from ent.notifications.models import Notification

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
D = date(2025, 3, 3)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def login(client, person) -> None:
    client.logout()
    client.force_login(person)


def notified(person, space: Space) -> int:
    return Notification.objects.filter(
        recipient=person, kind__startswith="forums.post", url__contains="/forums/"
    ).count()


def create_defis(client, teacher) -> Space:
    login(client, teacher)
    response = client.post(
        reverse("forums:space-create"),
        {
            "school": teacher.memberships.first().school_id,
            "title": "Défis maths",
            "description": "Le groupe Club maths",
            "access_rule": "APPROVAL",
            "structure": "",
        },
    )
    assert response.status_code == 302
    return Space.objects.get(title="Défis maths")


@pytest.mark.sdet("UTI-CCO-EEC-01", "UTI-CCO-EEC-02", "UTI-CCO-EEC-04", "UTI-CCO-EEC-07")
def test_scenario_9_forum_creation_invitation_and_reading(client, world, spanish):
    cast, tom = world.cast, world.tom
    martin, lea = cast.teacher, cast.pupil
    space = create_defis(client, martin)
    assert space.access_rule == "APPROVAL"

    # Invitations: a directory search for "Tom", then the whole group 4B-LV2-Espagnol.
    members = reverse("forums:members", args=[space.pk])
    page = client.get(members, {"q": "Tom"})
    assert f'data-person="{tom.pk}"' in page.content.decode()
    assert (
        client.post(reverse("forums:invite", args=[space.pk]), {"person": tom.pk}).status_code
        == 302
    )
    response = client.post(
        reverse("forums:invite-list", args=[space.pk]), {"list_key": f"group-{spanish.pk}-pupils"}
    )
    assert response.status_code == 302
    assert set(Subscription.objects.filter(space=space).values_list("person", flat=True)) == {
        martin.pk,
        tom.pk,
        lea.pk,
    }

    # Martin opens a thread, Tom answers: Léa sees the tree and the by-date view.
    client.post(
        reverse("forums:thread-create", args=[space.pk]),
        {"subject": "Énigme du lundi", "body": "Qui trouve ?"},
    )
    first = space.posts.get(parent=None)
    login(client, tom)
    client.post(reverse("forums:post-reply", args=[first.pk]), {"body": "Moi !"})
    answer = space.posts.get(parent=first)

    login(client, lea)
    home = client.get(reverse("forums:home")).content.decode()
    assert "Défis maths" in home
    assert f'data-space="{space.pk}"' in home
    tree = client.get(reverse("forums:space", args=[space.pk])).content.decode()
    assert f'data-post="{answer.pk}" data-parent="{first.pk}"' in tree
    by_date = client.get(reverse("forums:space", args=[space.pk]), {"vue": "date"}).content
    by_date = by_date.decode()
    assert by_date.index(f'data-post="{answer.pk}"') < by_date.index(f'data-post="{first.pk}"')

    # Léa's link is clickable; a javascript: link stays inert text.
    response = client.post(
        reverse("forums:post-reply", args=[first.pk]),
        {"body": "Regardez https://eduscol.education.fr et javascript:alert(1)"},
    )
    assert response.status_code == 302
    thread = client.get(reverse("forums:thread", args=[first.pk])).content.decode()
    assert '<a href="https://eduscol.education.fr" rel="noopener noreferrer nofollow">' in thread
    assert 'href="javascript:' not in thread
    assert "javascript:alert(1)" in thread

    # Martin deletes the forum: it disappears from every member's list.
    login(client, martin)
    assert client.post(reverse("forums:space-delete", args=[space.pk])).status_code == 302
    for person in (lea, tom, martin):
        login(client, person)
        assert "Défis maths" not in client.get(reverse("forums:home")).content.decode()
        assert client.get(reverse("forums:space", args=[space.pk])).status_code == 404


@pytest.mark.sdet("UTI-CCO-EEC-05", "UTI-CCO-EEC-06")
def test_scenario_10_subscription_rules(client, world):
    cast, tom = world.cast, world.tom
    martin, lea = cast.teacher, cast.pupil
    with time_machine.travel(at(D), tick=False) as clock:
        space = create_defis(client, martin)
        client.post(reverse("forums:invite", args=[space.pk]), {"person": lea.pk})
        client.post(
            reverse("forums:thread-create", args=[space.pk]), {"subject": "Défi", "body": "…"}
        )
        first = space.posts.get()
        space_url = reverse("forums:space", args=[space.pk])
        api_reply = f"/api/v1/forums/posts/{first.pk}/replies"

        # Tom asks to join and has no access until Martin approves.
        login(client, tom)
        assert client.post(reverse("forums:join", args=[space.pk])).status_code == 302
        asked = Subscription.objects.get(space=space, person=tom)
        assert asked.status == "PENDING"
        assert client.get(space_url).status_code == 404
        response = client.post(api_reply, {"body": "Je peux ?"}, content_type="application/json")
        assert response.status_code == 404
        login(client, martin)
        assert client.post(reverse("forums:member-approve", args=[asked.pk])).status_code == 302
        login(client, tom)
        assert client.get(space_url).status_code == 200

        # Martin ends Tom's subscription on D+30: on D+31 Tom neither reads nor posts.
        login(client, martin)
        response = client.post(
            reverse("forums:member-update", args=[asked.pk]),
            {"role": "MEMBER", "valid_until": (D + timedelta(days=30)).isoformat()},
        )
        assert response.status_code == 302
        clock.move_to(at(D + timedelta(days=30), 20))
        login(client, tom)
        assert client.get(space_url).status_code == 200
        clock.move_to(at(D + timedelta(days=31), 8))
        login(client, tom)  # a month later, a new session
        assert client.get(space_url).status_code == 404
        response = client.post(api_reply, {"body": "Encore là ?"}, content_type="application/json")
        assert response.status_code == 404
        assert "Défis maths" not in client.get(reverse("forums:home")).content.decode()

    with time_machine.travel(at(D), tick=False) as clock:
        # Léa suspends delivery from D+2 to D+5.
        login(client, lea)
        response = client.post(
            reverse("forums:delivery", args=[space.pk]),
            {
                "notify_posts": "on",
                "notify_replies": "on",
                "pause_starts_on": (D + timedelta(days=2)).isoformat(),
                "pause_ends_on": (D + timedelta(days=5)).isoformat(),
            },
        )
        assert response.status_code == 302
        before = notified(lea, space)
        for day in (2, 3, 5):
            clock.move_to(at(D + timedelta(days=day)))
            login(client, martin)
            client.post(reverse("forums:post-reply", args=[first.pk]), {"body": f"Jour {day}"})
            login(client, lea)
            assert client.get(space_url).status_code == 200
        assert notified(lea, space) == before
        clock.move_to(at(D + timedelta(days=6)))
        login(client, martin)
        client.post(reverse("forums:post-reply", args=[first.pk]), {"body": "Jour 6"})
        assert notified(lea, space) == before + 1

        # Léa unsubscribes and stops receiving anything.
        login(client, lea)
        assert client.post(reverse("forums:leave", args=[space.pk])).status_code == 302
        login(client, martin)
        client.post(
            reverse("forums:thread-create", args=[space.pk]), {"subject": "Suite", "body": "…"}
        )
        client.post(reverse("forums:post-reply", args=[first.pk]), {"body": "Jour 6 bis"})
        assert notified(lea, space) == before + 1
        login(client, lea)
        assert client.get(space_url).status_code == 404
