"""`GET /api/v1/search`: the search of the page, with the same rules; the history."""

from __future__ import annotations

import pytest

from ent.search.models import PastSearch

from .factories import note

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ent.urls")]

URL = "/api/v1/search"


def test_a_stranger_gets_401(client, sources):
    for url in (URL + "?q=x", URL + "/history"):
        response = client.get(url)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
    assert client.delete(URL + "/history/1").status_code == 401


@pytest.mark.sdet("UTI-IDO-REC-00", "UTI-IDO-REC-01", "SOC-POR-MDR-01")
def test_the_api_returns_what_the_person_may_see(client, cast, reindex):
    mine = note(cast.pupil, "Exposé volcans", "lave et magma", summary="SVT")
    note(cast.teacher, "Exposé volcans (corrigé)", "lave et magma")
    reindex()
    client.force_login(cast.pupil)
    response = client.get(URL, {"q": "volcan"})
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["page"], body["pages"], body["problem"]) == (1, 1, 1, "")
    assert body["types"] == [{"code": "test.note", "label": "Notes", "count": 1}]
    (hit,) = body["results"]
    assert hit | {"happened_at": None} == {
        "source": "test.note",
        "source_label": "Notes",
        "title": "Exposé volcans",
        "summary": "SVT",
        "snippet": "lave et magma",
        "url": f"/notes/{mine.pk}/",
        "author": "Léa Petit",
        "happened_at": None,
    }
    assert hit["happened_at"].startswith(str(mine.at.year))


@pytest.mark.sdet("UTI-IDO-REC-01")
def test_the_api_hides_the_results_of_a_service_not_granted(client, cast, reindex):
    note(cast.school_admin, "Inventaire des tablettes")
    reindex()
    client.force_login(cast.school_admin)
    response = client.get(URL, {"q": "tablettes"})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert client.get(URL, {"q": "tablettes", "source": "test.note"}).json()["total"] == 0


@pytest.mark.sdet("SOC-POR-MDR-07", "UTI-IDO-REC-05")
def test_the_api_takes_the_advanced_criteria(client, cast, reindex):
    note(cast.teacher, "Sortie 3eA", "piscine")
    reindex()
    client.force_login(cast.teacher)
    body = client.get(URL, {"q": "3ea", "source": "test.class", "sort": "date"}).json()
    assert [hit["source"] for hit in body["results"]] == ["test.class"]
    assert [hit["source"] for hit in client.get(URL, {"author": "dupont"}).json()["results"]] == [
        "test.note"
    ]
    assert client.get(URL, {"q": "x", "since": "hier"}).status_code == 422
    assert client.get(URL, {"q": "x", "page": 0}).status_code == 422
    assert client.get(URL, {"q": "x", "sort": "random"}).status_code == 422


@pytest.mark.sdet("UTI-IDO-REC-06")
@pytest.mark.parametrize("text", ['"foo" OR', "*", "NEAR(", "a\x00b", "' OR 1=1 --", "é" * 999])
def test_hostile_queries_are_answered_never_failed(client, cast, reindex, text):
    client.force_login(cast.pupil)
    response = client.get(URL, {"q": text, "author": "\x00", "since": "0001-01-01"})
    assert response.status_code == 200
    assert response.json()["problem"] in {"", "no_words"}


@pytest.mark.sdet("SOC-POR-MDR-06")
def test_the_history_is_read_and_deleted_by_its_owner(client, cast, reindex):
    client.force_login(cast.pupil)
    client.get(URL, {"q": "volcans"})
    (past,) = client.get(URL + "/history").json()
    assert (past["query"], past["parameters"], past["is_saved"]) == ("volcans", "q=volcans", False)
    client.force_login(cast.outsider)
    assert client.get(URL + "/history").json() == []
    assert client.delete(f"{URL}/history/{past['id']}").status_code == 404
    client.force_login(cast.pupil)
    assert client.delete(f"{URL}/history/{past['id']}").status_code == 204
    assert not PastSearch.objects.exists()
