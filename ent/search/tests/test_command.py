"""`ent search reindex|refresh|status`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ent.search.models import SearchEntry

from .factories import note

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("search", *args, stdout=out)
    return out.getvalue()


def test_status_refresh_and_reindex(cast, sources):
    note(cast.pupil, "Note")
    status = _run("status")
    assert "test.note\tNotes\tservice=test_search_notes\t0 entries\trefreshed never" in status
    assert "test.class\tClasses\tservice=-\t0 entries" in status
    assert "test.note\t1 entries\t1 written\t0 removed" in _run("refresh")
    assert "test.note\tNotes\tservice=test_search_notes\t1 entries\trefreshed 20" in _run("status")
    SearchEntry.objects.all().delete()
    output = _run("reindex", "--source", "test.note")
    assert output == "test.note\t1 entries\t1 written\t0 removed\n"
    assert list(SearchEntry.objects.values_list("source", flat=True)) == ["test.note"]


def test_an_unknown_source_is_refused(sources):
    with pytest.raises(CommandError, match=r"nope\.nope"):
        _run("refresh", "--source", "nope.nope")
