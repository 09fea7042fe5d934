"""The demo news of `ent demo setup`, and what the search service indexes from news."""

from __future__ import annotations

from django.urls import reverse

from ent.announcements import demo_content
from ent.announcements.models import Announcement, Kind
from ent.announcements.queries import current_alerts, current_news
from ent.announcements.search import SOURCES

from .factories import published


def test_the_demo_publishes_a_news_item_and_an_alert_once(world):
    cast = world.cast
    demo_content.populate(log=lambda line: None)
    assert [item.title for item in current_news(cast.guardian)] == [demo_content.NEWS_TITLE]
    assert [item.title for item in current_alerts(cast.pupil)] == [demo_content.ALERT_TITLE]
    item = Announcement.objects.get(kind=Kind.NEWS)
    assert item.validated_by == cast.head
    count = Announcement.objects.count()
    demo_content.populate(log=lambda line: None)
    assert Announcement.objects.count() == count


def test_the_search_source_finds_news_only_for_their_readers(
    world, fabre, django_assert_num_queries
):
    (source,) = SOURCES
    cast = world.cast
    item = published(fabre, cast.head, cast.school)
    assert source.text(item) == ("Fermeture du CDI jeudi", "Le CDI sera fermé jeudi.")
    assert source.url(item) == reverse("announcements:detail", args=[item.pk])
    with django_assert_num_queries(0):
        source.visible_to(cast.guardian)
    assert list(source.visible_to(cast.pupil)) == [item]
    assert not source.visible_to(cast.outsider).exists()
