"""The demo notes of `ent demo setup`, and what the search service indexes from the book."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from ent.exchange.actions import import_feed
from ent.liaison_book import demo_content
from ent.liaison_book.models import Note, Reply, Signature
from ent.liaison_book.search import SOURCES
from ent.rights.actions import install_default_grants

from .factories import note_to

pytestmark = pytest.mark.django_db


def test_the_demo_adds_signed_outings_threads_and_a_familys_note_once(academy):
    for complete in sorted(academy.glob("ENT*D.*.Complet")):
        import_feed(actor=None, path=complete)
    install_default_grants(actor=None)
    started = time.monotonic()
    demo_content.populate(log=lambda line: None)
    assert time.monotonic() - started < 20
    outings = Note.objects.filter(title=demo_content.OUTING)
    assert outings.count() >= 1
    outing = outings.first()
    assert outing.requires_signature
    assert outing.is_class_wide
    assert 0 < Signature.objects.filter(note=outing).count() < outing.recipients.count()
    assert Reply.objects.exists()
    assert Note.objects.filter(is_from_family=True).exists()
    counts = (Note.objects.count(), Signature.objects.count(), Reply.objects.count())
    demo_content.populate(log=lambda line: None)
    assert (Note.objects.count(), Signature.objects.count(), Reply.objects.count()) == counts


def test_the_search_source_finds_notes_only_for_their_readers(
    world, blanc, lea_note, django_assert_num_queries
):
    (source,) = SOURCES
    assert source.text(lea_note) == (lea_note.title, lea_note.body)
    assert source.url(lea_note) == reverse("liaison_book:note-open", args=[lea_note.pk])
    # The filter builds lazily: it becomes a subquery of the search.
    with django_assert_num_queries(0):
        source.visible_to(world.cast.guardian)
    cast = world.cast
    for reader in (cast.pupil, cast.guardian, cast.teacher, cast.head, world.cpe):
        assert list(source.visible_to(reader)) == [lea_note]
    for stranger in (blanc, world.tom, cast.outsider, cast.school_admin):
        assert not source.visible_to(stranger).exists()
    other = note_to(cast.teacher, world.martin, title="Rendez-vous", kind="APPOINTMENT")
    assert other not in source.visible_to(cast.guardian)
