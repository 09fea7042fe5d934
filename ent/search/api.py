"""The search REST endpoints: `GET /api/v1/search`, the same search as the page, and the history.

Every signed-in person may search (UTI-IDO-REC-04); each source's service gates its results.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from ent.directory.models import User
from ent.rights.queries import Rights, effective_rights, rights_of

from . import actions
from .queries import Criteria, SearchResults, search_history
from .text import MAX_QUERY_LENGTH

router = Router(tags=["search"])


class SearchIn(Schema):
    q: str = Field("", max_length=1000, description="Words; a phrase between double quotes.")
    source: str = Field("", description="Only this type of result (a source code).")
    author: str = Field("", max_length=100)
    since: date | None = None
    until: date | None = None
    sort: Literal["relevance", "date"] = "relevance"
    page: int = Field(1, ge=1)


class SourceCountOut(Schema):
    code: str
    label: str
    count: int


class HitOut(Schema):
    source: str
    source_label: str
    title: str
    summary: str
    snippet: str
    url: str
    author: str
    happened_at: datetime | None


class SearchOut(Schema):
    total: int
    page: int
    pages: int
    problem: str = Field(description='"", "empty" (nothing to search) or "no_words".')
    types: list[SourceCountOut]
    results: list[HitOut]


class PastSearchOut(Schema):
    id: int
    query: str
    parameters: str
    searched_at: datetime
    is_saved: bool


def _me(request: HttpRequest) -> User:
    return cast("User", request.auth)  # type: ignore[attr-defined]  # attr-defined: ninja sets request.auth


def _rights(request: HttpRequest, person: User) -> Rights:
    # A bearer token's person is not request.user: compute their rights directly.
    return rights_of(request) if request.user.pk == person.pk else effective_rights(person)


def _out(results: SearchResults) -> dict[str, Any]:
    return {
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "problem": results.problem,
        "types": [
            {"code": item.code, "label": str(item.label), "count": item.count}
            for item in results.counts
        ],
        "results": [
            {
                "source": hit.source,
                "source_label": str(hit.source_label),
                "title": hit.title,
                "summary": hit.summary,
                "snippet": hit.snippet_text,
                "url": hit.url,
                "author": hit.author,
                "happened_at": hit.happened_at,
            }
            for hit in results.hits
        ],
    }


@router.get("", response=SearchOut, summary="Search what the person may see")
def search(request: HttpRequest, params: Query[SearchIn]) -> dict[str, Any]:
    person = _me(request)
    criteria = Criteria(
        text=params.q[:MAX_QUERY_LENGTH],
        source=params.source,
        author=params.author,
        since=params.since,
        until=params.until,
        sort=params.sort,
    )
    results = actions.run_search(
        actor=person, rights=_rights(request, person), criteria=criteria, page=params.page
    )
    return _out(results)


@router.get("/history", response=list[PastSearchOut], summary="The person's searches")
def history(request: HttpRequest) -> Any:
    return search_history(_me(request))


@router.delete("/history/{search_id}", response={204: None}, summary="Delete a past search")
def history_delete(request: HttpRequest, search_id: int) -> Status[None]:
    person = _me(request)
    past_search = get_object_or_404(search_history(person), pk=search_id)
    actions.forget_search(actor=person, past_search=past_search)
    return Status(204, None)
