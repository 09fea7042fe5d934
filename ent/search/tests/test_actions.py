"""Index maintenance (SOC-POR-MDR-04) and the search history (SOC-POR-MDR-06)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.directory.models import SchoolClass
from ent.rights.queries import effective_rights
from ent.rights.tests.factories import new_class
from ent.search import actions, registry
from ent.search.models import PastSearch, SearchEntry, SourceState
from ent.search.queries import Criteria, search_history

from .factories import CLASSES, note, touch
from .helpers import titles

pytestmark = pytest.mark.django_db


def _entries(source="test.note"):
    return dict(SearchEntry.objects.filter(source=source).values_list("object_id", "title"))


@pytest.mark.sdet("SOC-POR-MDR-04")
def test_a_refresh_indexes_every_source_then_only_what_changed(cast, reindex):
    first = note(cast.pupil, "Premier", "texte")
    reports = {report.code: report for report in reindex()}
    assert (reports["test.note"].written, reports["test.note"].entries) == (1, 1)
    assert reports["test.class"].entries == 1
    assert _entries() == {first.pk: "Premier"}
    second = note(cast.pupil, "Second", "texte")
    touch(first, target_label="Premier, corrigé")
    reports = {report.code: report for report in reindex()}
    assert reports["test.note"].written == 2
    assert _entries() == {first.pk: "Premier, corrigé", second.pk: "Second"}
    assert titles(cast.pupil, "corrige") == ["Premier, corrigé"]
    # Nothing moved: nothing is written.
    assert {report.code: report.written for report in reindex()} == {
        "test.class": 0,
        "test.note": 0,
    }


@pytest.mark.sdet("SOC-POR-MDR-04")
def test_a_refresh_drops_the_entries_of_deleted_objects(cast, reindex):
    kept = note(cast.pupil, "Gardée")
    gone = note(cast.pupil, "Supprimée")
    reindex()
    AuditEvent.objects.filter(pk=gone.pk).delete()
    SchoolClass.objects.all().delete()
    reports = {report.code: report for report in reindex()}
    assert (reports["test.note"].removed, reports["test.class"].removed) == (1, 1)
    assert _entries() == {kept.pk: "Gardée"}
    assert _entries("test.class") == {}


def test_a_refresh_drops_the_entries_of_sources_no_longer_declared(cast, reindex):
    reindex()
    SearchEntry.objects.create(source="gone.thing", object_id=1, title="x", url="/", digest="x")
    SourceState.objects.create(source="gone.thing", refreshed_at=timezone.now())
    reindex()
    assert not SearchEntry.objects.filter(source="gone.thing").exists()
    assert not SourceState.objects.filter(source="gone.thing").exists()


def test_the_light_refresh_skips_sources_without_a_date_of_change_once_indexed(cast, reindex):
    reindex(light=True)
    assert set(_entries("test.class").values()) == {"3eA"}
    SchoolClass.objects.filter(pk=cast.school_class.pk).update(label="3e A bis")
    new = new_class(school=cast.school, label="4eB")
    reindex(light=True)
    assert set(_entries("test.class").values()) == {"3eA"}
    reindex()
    assert _entries("test.class") == {cast.school_class.pk: "3e A bis", new.pk: "4eB"}


def test_a_refresh_of_one_source_leaves_the_others(cast, reindex):
    note(cast.pupil, "Note")
    reindex(codes=["test.class"])
    assert _entries() == {}
    with pytest.raises(ValueError, match=r"nope\.nope"):
        reindex(codes=["nope.nope"])


def test_a_rebuild_starts_from_an_empty_index_and_is_audited(cast, reindex):
    event = note(cast.pupil, "Note")
    reindex()
    SearchEntry.objects.filter(object_id=event.pk).update(title="abîmé", digest="x")
    reports = actions.rebuild_index(actor=None)
    assert _entries() == {event.pk: "Note"}
    assert {report.code: report.entries for report in reports} == {"test.class": 1, "test.note": 1}
    audit = AuditEvent.objects.get(action="search.index.rebuild")
    assert audit.data == {"sources": ["test.class", "test.note"], "entries": 2}


def test_a_rebuild_of_one_source(cast, reindex):
    reindex()
    actions.rebuild_index(actor=None, codes=["test.note"])
    assert set(_entries("test.class").values()) == {"3eA"}


@pytest.mark.sdet("SOC-POR-MDR-04")
def test_a_search_refreshes_the_index_at_most_once_a_minute(
    cast, reindex, django_capture_on_commit_callbacks
):
    rights = effective_rights(cast.pupil)
    criteria = Criteria(text="premier")

    def found():
        return sorted(titles(cast.pupil, "premier"))

    note(cast.pupil, "Premier")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.run_search(actor=cast.pupil, rights=rights, criteria=criteria)
    assert len(callbacks) == 1
    assert found() == ["Premier"]
    note(cast.pupil, "Premier bis")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.run_search(actor=cast.pupil, rights=rights, criteria=criteria)
    assert callbacks == []
    assert found() == ["Premier"]
    cache.clear()  # a minute later
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.run_search(actor=cast.pupil, rights=rights, criteria=criteria)
    assert len(callbacks) == 1
    assert found() == ["Premier", "Premier bis"]


# History -------------------------------------------------------------------------------------


def _run(person, text="", page=1, **criteria):
    return actions.run_search(
        actor=person,
        rights=effective_rights(person),
        criteria=Criteria(text=text, **criteria),
        page=page,
    )


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_the_history_keeps_the_last_ten_searches_newest_first(cast, sources):
    start = timezone.now()
    for number in range(12):
        with time_machine.travel(start + timedelta(minutes=number), tick=False):
            _run(cast.pupil, f"recherche {number}")
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        _run(cast.pupil, "recherche 5")  # again: moves to the top, no duplicate
    queries = [past.query for past in search_history(cast.pupil)]
    assert queries == ["recherche 5", *(f"recherche {n}" for n in (11, 10, 9, 8, 7, 6, 4, 3, 2))]
    assert list(search_history(cast.teacher)) == []


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_the_history_keeps_the_criteria_and_only_first_pages(cast, sources):
    _run(cast.pupil, "sortie", author="dupont", sort="date")
    _run(cast.pupil, "sortie", page=2)
    _run(cast.pupil, "")
    _run(cast.pupil, "sortie\x00 ")
    (past, criteria_past) = search_history(cast.pupil)
    assert past.parameters == "q=sortie%00"
    assert past.query == "sortie"
    assert criteria_past.parameters == "q=sortie&author=dupont&sort=date"


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_a_saved_search_is_kept_beyond_the_last_ten(cast, sources):
    _run(cast.pupil, "à garder")
    kept = search_history(cast.pupil).get()
    actions.save_search(actor=cast.pupil, past_search=kept)
    for number in range(12):
        _run(cast.pupil, f"recherche {number}")
    history = list(search_history(cast.pupil))
    assert history[0] == kept
    assert len(history) == 11
    assert actions.clear_search_history(actor=cast.pupil) == 10
    assert list(search_history(cast.pupil)) == [kept]
    actions.save_search(actor=cast.pupil, past_search=kept, is_saved=False)
    kept.refresh_from_db()
    assert not kept.is_saved


def test_saved_searches_are_limited(cast, sources, monkeypatch):
    monkeypatch.setattr(actions, "SAVED_LIMIT", 1)
    _run(cast.pupil, "un")
    _run(cast.pupil, "deux")
    two, one = search_history(cast.pupil)
    actions.save_search(actor=cast.pupil, past_search=one)
    with pytest.raises(actions.SavedSearchLimitError):
        actions.save_search(actor=cast.pupil, past_search=two)
    actions.save_search(actor=cast.pupil, past_search=one)  # already saved: fine


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_a_past_search_is_deleted_by_its_owner_only(cast, sources):
    _run(cast.pupil, "personnel")
    past = PastSearch.objects.get()
    with pytest.raises(PermissionDenied):
        actions.forget_search(actor=cast.teacher, past_search=past)
    with pytest.raises(PermissionDenied):
        actions.save_search(actor=cast.teacher, past_search=past)
    actions.forget_search(actor=cast.pupil, past_search=past)
    assert not PastSearch.objects.exists()


def test_a_date_of_a_source_is_kept_as_the_start_of_that_day(cast, sources):
    dated = dataclasses.replace(CLASSES, happened_at=lambda school_class: date(2024, 1, 5))
    with registry.only(dated):
        actions.refresh_index(actor=None)
    entry = SearchEntry.objects.get(source="test.class")
    assert timezone.localtime(entry.happened_at).isoformat() == "2024-01-05T00:00:00+01:00"


@pytest.mark.sdet("SOC-SUP-ABO-01")
def test_purging_a_person_leaves_nothing_of_them_in_the_index_or_the_history(cast):
    from ent.directory.actions import purge_person

    actions.refresh_index(actor=None)
    people = SearchEntry.objects.filter(source="addressbook.person", object_id=cast.pupil.pk)
    assert people.exists()
    actions.remember_search(actor=cast.pupil, criteria=Criteria(text="maths"))
    purge_person(actor=None, person=cast.pupil)
    assert not people.exists()
    assert not PastSearch.objects.filter(person=cast.pupil).exists()
    assert SearchEntry.objects.filter(object_id=cast.teacher.pk).exists()
