"""The demo spaces of `ent demo setup`, and what the search service indexes from the forums."""

from __future__ import annotations

import pytest

from ent.exchange.actions import import_feed
from ent.forums import demo_content
from ent.forums.models import Post, Space
from ent.forums.search import SOURCES

from .factories import club, thread

pytestmark = pytest.mark.django_db


def test_the_demo_adds_a_class_forum_and_a_maths_club_once(academy, grants):
    for complete in sorted(academy.glob("ENT*D.*.Complet")):
        import_feed(actor=None, path=complete)
    demo_content.populate(log=lambda line: None)
    assert Space.objects.filter(title=demo_content.CLUB).count() == 1
    assert Space.objects.exclude(school_class=None).count() == 1
    assert Post.objects.exclude(parent=None).count() >= 3
    counts = (Space.objects.count(), Post.objects.count())
    demo_content.populate(log=lambda line: None)
    assert (Space.objects.count(), Post.objects.count()) == counts


@pytest.mark.sdet("UTI-CCO-EEC-04")
def test_posts_are_searchable_by_members_only(world, django_assert_num_queries):
    (source,) = SOURCES
    space = club(world.cast.teacher, world.cast.pupil)
    post = thread(world.cast.pupil, space, subject="Énigme", body="Les nombres premiers")
    assert source.text(post) == ("Énigme", "Les nombres premiers")
    with django_assert_num_queries(0):
        source.visible_to(world.tom)
    assert list(source.visible_to(world.cast.pupil)) == [post]
    for stranger in (world.tom, world.cast.outsider, world.cast.guardian):
        assert not source.visible_to(stranger).exists()
