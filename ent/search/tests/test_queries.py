"""What a search returns: only what the person may see, now (UTI-IDO-REC-01), by criteria."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ent.audit.models import AuditEvent
from ent.core.search import SearchSource
from ent.directory.models import Membership, SchoolClass
from ent.rights.actions import grant_service, revoke_grant
from ent.rights.queries import effective_rights
from ent.rights.tests.factories import new_class, pupil_in
from ent.search import registry
from ent.search.queries import PAGE_SIZE, Criteria, search_results

from .factories import CLASSES, NOTES, NOTES_SERVICE, note
from .helpers import search, titles

pytestmark = pytest.mark.django_db


@pytest.mark.sdet("UTI-IDO-REC-00", "UTI-IDO-REC-01", "SOC-POR-MDR-01")
def test_a_person_finds_what_they_may_see_and_nothing_else(cast, reindex):
    note(cast.pupil, "Brouillon de Léa", "exposé sur les volcans")
    note(cast.teacher, "Préparation", "exposé sur les volcans")
    reindex()
    assert titles(cast.pupil, "volcans") == ["Brouillon de Léa"]
    assert titles(cast.teacher, "volcans") == ["Préparation"]
    assert titles(cast.guardian, "volcans") == []
    # A class is found in one's own schools only.
    assert titles(cast.teacher, "3ea") == ["3eA"]
    assert titles(cast.outsider, "3ea") == []


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_search_never_surfaces_another_pupils_grades(cast, reindex):
    tom = pupil_in(new_class(school=cast.school, label="5eC"), first_name="Tom")
    note(tom, "Bulletin du 1er trimestre", "mathématiques 7/20, appréciation : doit se reprendre")
    note(cast.pupil, "Bulletin du 1er trimestre", "mathématiques 16/20")
    reindex()
    for text in ("bulletin", "mathematiques", "7", "reprendre", '"doit se reprendre"'):
        assert all("7/20" not in hit.snippet_text for hit in search(cast.pupil, text).hits)
    assert titles(cast.pupil, "reprendre") == []
    assert len(titles(tom, "bulletin")) == 1


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_an_object_hidden_after_indexing_is_never_shown(cast, reindex):
    event = note(cast.pupil, "Journal intime", "secret")
    reindex()
    assert titles(cast.pupil, "secret") == ["Journal intime"]
    # The index is stale: the note now belongs to someone else, and no refresh ran.
    AuditEvent.objects.filter(pk=event.pk).update(actor=cast.teacher)
    assert titles(cast.pupil, "secret") == []
    assert titles(cast.teacher, "secret") == ["Journal intime"]


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_a_deleted_object_is_never_shown_even_before_the_index_forgets_it(cast, reindex):
    event = note(cast.pupil, "Journal intime", "secret")
    reindex()
    AuditEvent.objects.filter(pk=event.pk).delete()
    assert titles(cast.pupil, "secret") == []


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_a_person_who_leaves_a_school_no_longer_finds_its_classes(cast, reindex):
    reindex()
    assert titles(cast.teacher, "3ea") == ["3eA"]
    Membership.objects.filter(person=cast.teacher).update(ends_on=timezone.localdate())
    assert titles(cast.teacher, "3ea") == []


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_the_results_of_a_service_need_its_grant(cast, reindex):
    # ETA holds no grant of the notes service by default.
    note(cast.school_admin, "Inventaire", "tablettes")
    reindex()
    assert titles(cast.school_admin, "tablettes") == []
    assert [item.code for item in search(cast.school_admin, "x").sources] == ["test.class"]
    grant = grant_service(actor=None, service=NOTES_SERVICE, person=cast.school_admin)
    assert titles(cast.school_admin, "tablettes") == ["Inventaire"]
    revoke_grant(actor=None, grant=grant)
    assert titles(cast.school_admin, "tablettes") == []


@pytest.mark.sdet("SOC-POR-MDR-07", "UTI-IDO-REC-05")
def test_counts_by_type_and_a_type_filter(cast, reindex):
    note(cast.teacher, "Sortie en 3eA", "autorisation")
    note(cast.teacher, "Réunion 3eA", "parents")
    reindex()
    results = search(cast.teacher, "3ea")
    assert results.total == 3
    assert [(item.code, item.count) for item in results.counts] == [
        ("test.class", 1),
        ("test.note", 2),
    ]
    only_classes = search(cast.teacher, "3ea", source="test.class")
    assert [hit.title for hit in only_classes.hits] == ["3eA"]
    assert only_classes.total == 1
    # The other types keep their counts, to switch to them.
    assert [item.count for item in only_classes.counts] == [1, 2]


@pytest.mark.sdet("SOC-POR-MDR-07", "UTI-IDO-REC-05")
def test_author_and_period_criteria(cast, reindex):
    last_week = timezone.now() - timedelta(days=7)
    note(cast.teacher, "Ancienne note", "cantine", at=last_week)
    note(cast.teacher, "Nouvelle note", "cantine")
    reindex()
    today = timezone.localdate()
    assert titles(cast.teacher, "cantine", author="dupont") == ["Nouvelle note", "Ancienne note"]
    assert titles(cast.teacher, "cantine", author="AGNÈS DUP") == ["Nouvelle note", "Ancienne note"]
    assert titles(cast.teacher, "cantine", author="petit") == []
    assert titles(cast.teacher, "cantine", since=today) == ["Nouvelle note"]
    assert titles(cast.teacher, "cantine", until=today - timedelta(days=1)) == ["Ancienne note"]
    assert titles(cast.teacher, "cantine", since=date(1, 1, 1), until=date(9999, 12, 31)) == [
        "Nouvelle note",
        "Ancienne note",
    ]


@pytest.mark.sdet("SOC-POR-MDR-07")
def test_criteria_alone_search_without_words_newest_first(cast, reindex):
    note(cast.teacher, "Première", at=timezone.now() - timedelta(days=2))
    note(cast.teacher, "Seconde")
    reindex()
    assert titles(cast.teacher, source="test.note") == ["Seconde", "Première"]
    assert titles(cast.teacher, author="agnes") == ["Seconde", "Première"]


def test_nothing_typed_searches_nothing(cast, reindex):
    assert search(cast.teacher, "").problem == "empty"
    assert search(cast.teacher, " *** ").problem == "no_words"
    assert search(cast.teacher, " *** ").hits == ()


def test_the_newest_first_order(cast, reindex):
    note(cast.teacher, "Piscine", "x", at=timezone.now() - timedelta(days=3))
    note(cast.teacher, "Autre", "piscine")
    reindex()
    assert titles(cast.teacher, "piscine") == ["Piscine", "Autre"]
    assert titles(cast.teacher, "piscine", sort="date") == ["Autre", "Piscine"]


def test_results_come_by_pages(cast, reindex):
    for number in range(PAGE_SIZE + 5):
        note(
            cast.teacher,
            f"Note {number:02d}",
            "page",
            at=timezone.now() - timedelta(minutes=number),
        )
    reindex()
    first = search(cast.teacher, "page", sort="date")
    assert (first.total, first.pages, len(first.hits), first.has_next) == (25, 2, PAGE_SIZE, True)
    second = search(cast.teacher, "page", sort="date", page=2)
    assert [hit.title for hit in second.hits] == [f"Note {n}" for n in range(20, 25)]
    assert (second.has_next, second.has_previous, second.first_rank) == (False, True, 21)
    # A page past the end shows the last one.
    assert search(cast.teacher, "page", sort="date", page=99).page == 2


def test_titles_and_extracts_mark_the_matching_words(cast, reindex):
    long_text = "début " * 60 + "la Piscine municipale ouvre " + "fin " * 60
    note(cast.teacher, "Sortie piscine", long_text)
    reindex()
    (hit,) = search(cast.teacher, "PISC").hits
    assert [segment.text for segment in hit.title_segments if segment.is_match] == ["piscine"]
    assert [segment.text for segment in hit.snippet if segment.is_match] == ["Piscine"]
    assert hit.snippet_text.startswith("… ")
    assert hit.snippet_text.endswith(" …")
    assert len(hit.snippet_text) < 250


def _extra_sources(count):
    return [
        SearchSource(
            code=f"test.extra{number}",
            label=f"Extra {number}",
            model=SchoolClass,
            text=lambda school_class: (str(school_class),),
            url=lambda school_class: f"/x/{school_class.pk}/",
            visible_to=lambda person: SchoolClass.objects.filter(
                school__in=Membership.objects.current().filter(person=person).values("school")
            ),
            service=NOTES_SERVICE,
        )
        for number in range(count)
    ]


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_a_search_costs_two_queries_whatever_the_sources_and_the_hits(
    cast, reindex, django_assert_num_queries
):
    rights = effective_rights(cast.teacher)
    criteria = Criteria(text="classe")
    with registry.only(NOTES, CLASSES):
        note(cast.teacher, "Une classe", "")
        reindex()
        with django_assert_num_queries(2):
            assert search_results(person=cast.teacher, rights=rights, criteria=criteria).total == 1
    extra = _extra_sources(10)
    with registry.only(NOTES, CLASSES, *extra):
        for number in range(30):
            note(cast.teacher, f"Classe {number}", "")
            new_class(school=cast.school, label=f"classe {number}")
        reindex()
        with django_assert_num_queries(2):
            results = search_results(person=cast.teacher, rights=rights, criteria=criteria)
        assert results.total == 31 + 30 * 11
        assert len(results.counts) == 12
