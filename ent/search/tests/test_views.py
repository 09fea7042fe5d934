"""The search page (SOC-POR-MDR-01, -02, -06, -07; UTI-IDO-REC) and its history."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.search import actions, registry
from ent.search.models import PastSearch

from .factories import CLASSES, NOTES, note
from .test_queries import _extra_sources

pytestmark = pytest.mark.django_db

URL = "/recherche/"


def _hits(response) -> list[tuple[str, str]]:
    return re.findall(
        r'class="search-hit" data-source="([^"]+)" data-object="(\d+)"', response.text
    )


def test_the_search_page_keeps_its_url_name():
    assert reverse("search:results") == URL


def test_a_stranger_is_sent_to_the_login_page(client, sources):
    response = client.get(URL, {"q": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


@pytest.mark.sdet("SOC-POR-MDR-02", "UTI-IDO-REC-04")
@pytest.mark.parametrize("person", ["pupil", "guardian", "teacher", "head", "school_admin"])
def test_the_search_box_is_on_every_page_whatever_the_profile(client, cast, sources, person):
    client.force_login(getattr(cast, person))
    for url in ("/", "/moi/", URL, f"{URL}?q=devoir"):
        response = client.get(url)
        assert response.status_code == 200, url
        form = re.search(r'<form role="search"[^>]*action="([^"]+)"', response.text)
        assert form is not None, url
        assert form.group(1) == URL, url
        assert re.search(r'<input type="search" id="search-q" name="q"', response.text), url


@pytest.mark.sdet("SOC-POR-MDR-01", "UTI-IDO-REC-00", "UTI-IDO-REC-01")
def test_the_results_show_what_the_person_may_see(client, cast, reindex):
    mine = note(cast.pupil, "Exposé volcans", "lave et magma")
    note(cast.teacher, "Exposé volcans (corrigé)", "lave et magma")
    reindex()
    client.force_login(cast.pupil)
    response = client.get(URL, {"q": "volcan"})
    assert response.status_code == 200
    assert _hits(response) == [("test.note", str(mine.pk))]
    assert 'data-total="1"' in response.text
    # The words are echoed in the box of every page.
    assert 'id="search-q" name="q" value="volcan"' in response.text
    assert "<mark>volcans</mark>" in response.text
    assert f'href="/notes/{mine.pk}/"' in response.text


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_a_person_without_the_service_gets_the_page_without_its_results(client, cast, reindex):
    note(cast.school_admin, "Inventaire des tablettes")
    reindex()
    client.force_login(cast.school_admin)
    response = client.get(URL, {"q": "tablettes"})
    assert response.status_code == 200
    assert _hits(response) == []
    assert 'id="search-none"' in response.text
    # The type of results she may not see is not offered either.
    assert 'value="test.note"' not in response.text
    assert client.get(URL, {"q": "x", "source": "test.note"}).status_code == 422


def test_markup_in_indexed_text_is_shown_as_text(client, cast, reindex):
    note(
        cast.pupil,
        '<script>alert("titre")</script> piscine',
        "<img src=x onerror=alert(1)> piscine",
    )
    reindex()
    client.force_login(cast.pupil)
    response = client.get(URL, {"q": "piscine <script>"})
    assert len(_hits(response)) == 1
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;<mark>script</mark>&gt;alert(&quot;titre&quot;)&lt;/<mark>script</mark>&gt;" in (
        response.text
    )
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>piscine</mark>" in response.text
    assert 'value="piscine &lt;script&gt;"' in response.text


@pytest.mark.sdet("UTI-IDO-REC-06")
@pytest.mark.parametrize("text", ['"foo" OR', "*", "NEAR(", "' OR 1=1 --", "x" * 3000])
def test_hostile_queries_get_a_page_never_an_error(client, cast, reindex, text):
    client.force_login(cast.pupil)
    response = client.get(URL, {"q": text})
    assert response.status_code in {200, 422}
    assert response.status_code == 200 or len(text) > 1000


def test_a_query_without_words_says_so(client, cast, reindex):
    client.force_login(cast.pupil)
    response = client.get(URL, {"q": "***"})
    assert 'data-problem="no_words"' in response.text
    response = client.get(URL)
    assert "data-problem" not in response.text
    assert 'id="search-results"' not in response.text


@pytest.mark.sdet("SOC-POR-MDR-07", "UTI-IDO-REC-05")
def test_the_advanced_criteria_filter_and_bad_ones_are_refused(client, cast, reindex):
    note(cast.teacher, "Sortie 3eA", "piscine")
    reindex()
    client.force_login(cast.teacher)
    response = client.get(URL, {"q": "3ea"})
    assert re.findall(r'data-source="([^"]+)" data-count="(\d+)"', response.text) == [
        ("test.class", "1"),
        ("test.note", "1"),
    ]
    assert 'href="?q=3ea&amp;source=test.class"' in response.text
    response = client.get(URL, {"q": "3ea", "source": "test.class", "author": "", "sort": "date"})
    assert 'href="?q=3ea&amp;author=&amp;sort=date"' in response.text  # back to all types
    assert [source for source, _ in _hits(response)] == ["test.class"]
    response = client.get(URL, {"q": "3ea", "author": "agnès"})
    assert [source for source, _ in _hits(response)] == ["test.note"]
    assert client.get(URL, {"q": "x", "since": "hier"}).status_code == 422
    assert (
        client.get(URL, {"q": "x", "since": "2024-02-01", "until": "2024-01-01"}).status_code == 422
    )
    assert client.get(URL, {"q": "x", "source": "nope.nope"}).status_code == 422


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_the_history_is_listed_and_can_be_kept_deleted_and_cleared(client, cast, reindex):
    client.force_login(cast.pupil)
    client.get(URL, {"q": "volcans"})
    client.get(URL, {"q": "piscine"})
    response = client.get(URL)
    assert response.text.count("data-past-search=") == 2
    volcans = PastSearch.objects.get(query="volcans")
    assert 'href="/recherche/?q=volcans"' in response.text
    assert client.post(reverse("search:history-save", args=[volcans.pk])).status_code == 302
    assert 'data-saved="1"' in client.get(URL).text
    assert client.post(reverse("search:history-clear")).status_code == 302
    assert list(PastSearch.objects.values_list("query", flat=True)) == ["volcans"]
    client.post(reverse("search:history-save", args=[volcans.pk]), {"is_saved": "0"})
    volcans.refresh_from_db()
    assert not volcans.is_saved
    assert client.post(reverse("search:history-delete", args=[volcans.pk])).status_code == 302
    assert not PastSearch.objects.exists()


def test_keeping_too_many_searches_is_refused_with_a_message(client, cast, reindex, monkeypatch):
    monkeypatch.setattr(actions, "SAVED_LIMIT", 0)
    client.force_login(cast.pupil)
    client.get(URL, {"q": "volcans"})
    past = PastSearch.objects.get()
    response = client.post(reverse("search:history-save", args=[past.pk]), follow=True)
    assert response.status_code == 200
    assert 'class="message error"' in response.text
    past.refresh_from_db()
    assert not past.is_saved


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_another_persons_past_search_does_not_exist(client, cast, reindex):
    client.force_login(cast.pupil)
    client.get(URL, {"q": "secret"})
    past = PastSearch.objects.get()
    client.force_login(cast.outsider)
    for name in ("search:history-delete", "search:history-save"):
        assert client.post(reverse(name, args=[past.pk])).status_code == 404
        assert client.get(reverse(name, args=[past.pk])).status_code == 405
    assert "secret" not in client.get(URL).text
    assert PastSearch.objects.filter(pk=past.pk, is_saved=False).exists()


def test_the_history_pages_refuse_strangers(client, sources):
    for url in (reverse("search:history-clear"), reverse("search:history-delete", args=[1])):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("identity:login"))


def _count(client, **params) -> int:
    client.get(URL, params)  # the history row exists: later searches update it
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_the_page_costs_the_same_queries_whatever_the_sources_history_and_hits(
    client, cast, reindex
):
    client.force_login(cast.teacher)
    with registry.only(NOTES, CLASSES):
        note(cast.teacher, "Une classe")
        reindex()
        few = _count(client, q="classe")
    extra = _extra_sources(10)
    with registry.only(NOTES, CLASSES, *extra):
        for number in range(30):
            note(cast.teacher, f"Classe {number}")
            client.get(URL, {"q": f"histoire {number}"})
        reindex()
        many = _count(client, q="classe")
    assert few == many
