"""The demo documents of `ent demo setup`, the search sources and the periodic command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from ent.exchange.actions import import_feed
from ent.files import actions, demo_content
from ent.files.models import Document, Folder, ScanStatus
from ent.files.search import SOURCES
from ent.rights.actions import install_default_grants
from ent.rights.models import ShareRole

pytestmark = pytest.mark.django_db


def test_the_demo_gives_teachers_a_tree_with_a_folder_shared_with_a_class_once(academy, settings):
    settings.ENT_CLAMD_SOCKET = settings.ENT_CLAMD_ADDRESS = ""
    for complete in sorted(academy.glob("ENT*D.*.Complet")):
        import_feed(actor=None, path=complete)
    install_default_grants(actor=None)
    demo_content.populate(log=lambda line: None)
    shared = Folder.objects.filter(name=demo_content.SHARED)
    assert shared.count() >= 1
    counts = (Folder.objects.count(), Document.objects.count())
    demo_content.populate(log=lambda line: None)
    assert (Folder.objects.count(), Document.objects.count()) == counts


def test_the_search_sources_find_documents_only_for_their_readers(
    world, unscanned, django_assert_num_queries
):
    cast = world.cast
    folder = actions.create_folder(actor=cast.teacher, name="Cours")
    document = actions.upload(actor=cast.teacher, folder=folder, name="plan.pdf", data=b"x")
    actions.share_item(actor=cast.teacher, item=folder, with_=cast.pupil, role=ShareRole.READ)
    documents, folders = SOURCES
    assert documents.text(document) == ("plan.pdf",)
    documents.visible_to(cast.pupil)  # ContentType's process-wide cache is filled once
    with django_assert_num_queries(0):
        documents.visible_to(cast.pupil)
    for reader in (cast.teacher, cast.pupil):
        assert list(documents.visible_to(reader)) == [document]
        assert list(folders.visible_to(reader)) == [folder]
    for stranger in (cast.guardian, world.tom, cast.outsider):
        assert not documents.visible_to(stranger).exists()


def test_the_periodic_command_rescans_and_purges(world, unscanned):
    document = actions.upload(actor=world.cast.pupil, folder=None, name="a.txt", data=b"a")
    Document.objects.filter(pk=document.pk).update(scan_status=ScanStatus.QUARANTINED)
    out = io.StringIO()
    call_command("files", "rescan", stdout=out)
    assert "1 file(s)" in out.getvalue()
    call_command("files", "purge-trash", stdout=out)
    assert "0 item(s)" in out.getvalue()
