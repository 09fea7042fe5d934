"""Reads of the search: results filtered by what the person may see, history, index status.

UTI-IDO-REC-01: visibility is never copied into the index. Each hit must belong to a source
whose service the person holds and to the rows that source's `visible_to(person)` returns,
checked in the same statement as the match. A search costs two queries (counts by type, then
the page), whatever the number of sources, rows or hits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from ent.core.search import SearchSource
from ent.directory.models import User
from ent.rights.queries import Rights

from . import backends
from .models import PastSearch, SearchEntry, SourceState
from .registry import sources
from .text import Query, Segment, highlight, parse_query, snippet, words

PAGE_SIZE = 20
MAX_PAGE = 50
RELEVANCE = "relevance"
NEWEST = "date"


@dataclass(frozen=True)
class Criteria:
    """What a person asks for (SOC-POR-MDR-07): words, a type, an author, a period, an order."""

    text: str = ""
    source: str = ""
    author: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = RELEVANCE

    @property
    def has_filters(self) -> bool:
        return bool(self.source or self.author.strip() or self.since or self.until)

    def parameters(self) -> str:
        """Return the criteria as a query string (the search page's own parameters)."""
        values = {
            "q": self.text.strip(),
            "source": self.source,
            "author": self.author.strip(),
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "sort": "" if self.sort == RELEVANCE else self.sort,
        }
        return urlencode({key: value for key, value in values.items() if value})


@dataclass(frozen=True)
class SourceCount:
    """A type of result and how many hits it has."""

    code: str
    label: str | Promise
    count: int


@dataclass(frozen=True)
class Hit:
    """One result, with its title and extract cut into highlighted segments."""

    source: str
    source_label: str | Promise
    object_id: int
    title: str
    title_segments: tuple[Segment, ...]
    summary: str
    snippet: tuple[Segment, ...]
    url: str
    author: str
    happened_at: datetime | None

    @property
    def snippet_text(self) -> str:
        return "".join(segment.text for segment in self.snippet)


@dataclass(frozen=True)
class SearchResults:
    """A page of results. `problem`: "" or "empty" (nothing to search) or "no_words"."""

    criteria: Criteria
    query: Query
    hits: tuple[Hit, ...] = ()
    counts: tuple[SourceCount, ...] = ()
    total: int = 0
    page: int = 1
    pages: int = 0
    problem: str = ""
    sources: tuple[SourceCount, ...] = field(default=())

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1


def searchable_sources(rights: Rights) -> dict[str, SearchSource]:
    """Return the sources whose service the person holds (those without one included)."""
    return {
        code: source
        for code, source in sources().items()
        if not source.service or rights.has(source.service)
    }


def visible_entries(person: User, allowed: dict[str, SearchSource]) -> QuerySet[SearchEntry]:
    """Return the index rows of `allowed` sources whose object `person` may see now."""
    condition = Q()
    for code, source in allowed.items():
        visible = source.visible_to(person).order_by().values("pk")
        condition |= Q(source=code, object_id__in=visible)
    if not allowed:
        return SearchEntry.objects.none()
    return SearchEntry.objects.filter(condition)


# Criteria dates are kept within these years, far from datetime's limits once shifted to UTC.
EARLIEST = date(1900, 1, 1)
LATEST = date(9000, 1, 1)


def _start_of(day: date, *, days_after: int = 0) -> datetime:
    day = min(max(day, EARLIEST), LATEST) + timedelta(days=days_after)
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(entries: QuerySet[SearchEntry], criteria: Criteria) -> QuerySet[SearchEntry]:
    """Apply the metadata criteria (UTI-IDO-REC-05): author, period."""
    for word in words(criteria.author)[:4]:
        # Any word of the author's name starts with `word`.
        entries = entries.filter(
            Q(author_terms__startswith=word) | Q(author_terms__contains=f" {word}")
        )
    if criteria.since:
        entries = entries.filter(happened_at__gte=_start_of(criteria.since))
    if criteria.until:
        entries = entries.filter(happened_at__lt=_start_of(criteria.until, days_after=1))
    return entries


def _hit(entry: SearchEntry, label: str | Promise, query: Query) -> Hit:
    return Hit(
        source=entry.source,
        source_label=label,
        object_id=entry.object_id,
        title=entry.title,
        title_segments=highlight(entry.title, query),
        summary=entry.summary,
        snippet=snippet(entry.body, query) if entry.body else (),
        url=entry.url,
        author=entry.author,
        happened_at=entry.happened_at,
    )


def search_results(
    *, person: User, rights: Rights, criteria: Criteria, page: int = 1
) -> SearchResults:
    """Return one page of what `person` may see and `criteria` matches, with counts by type."""
    allowed = searchable_sources(rights)
    choices = tuple(
        SourceCount(code, source.label, 0)
        for code, source in sorted(allowed.items(), key=lambda item: str(item[1].label))
    )
    query = parse_query(criteria.text)
    if not query and not criteria.has_filters:
        problem = "no_words" if criteria.text.strip() else "empty"
        return SearchResults(criteria, query, problem=problem, sources=choices)
    entries = _filtered(visible_entries(person, allowed), criteria)
    if query:
        entries = backends.matching(entries, query)
    found = dict(entries.order_by().values_list("source").annotate(count=Count("pk")))
    counts = tuple(SourceCount(c.code, c.label, found[c.code]) for c in choices if c.code in found)
    if criteria.source:
        entries = entries.filter(source=criteria.source)
        total = found.get(criteria.source, 0)
    else:
        total = sum(found.values())
    pages = min(MAX_PAGE, math.ceil(total / PAGE_SIZE))
    page = max(1, min(page, pages))
    results = SearchResults(criteria, query, (), counts, total, page, pages, sources=choices)
    if not total:
        return results
    newest: list[Any] = [F("happened_at").desc(nulls_last=True), "-pk"]
    if query and criteria.sort == RELEVANCE:
        entries = backends.ranked(entries, query).order_by(F("relevance").desc(), *newest)
    else:
        entries = entries.order_by(*newest)
    rows = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    hits = tuple(_hit(row, allowed[row.source].label, query) for row in rows)
    return SearchResults(criteria, query, hits, counts, total, page, pages, sources=choices)


def search_history(person: User) -> QuerySet[PastSearch]:
    """Return the searches `person` saved or ran lately, saved ones first, newest first."""
    return PastSearch.objects.filter(person=person).order_by("-is_saved", "-searched_at", "-pk")


@dataclass(frozen=True)
class SourceStatus:
    """A source of the index, for `ent search status`."""

    code: str
    label: str | Promise
    service: str
    updated_field: str
    entries: int
    refreshed_at: datetime | None


def index_status() -> list[SourceStatus]:
    """Return each active source with its number of entries and its last refresh."""
    states = {state.source: state for state in SourceState.objects.all()}
    counts = dict(SearchEntry.objects.order_by().values_list("source").annotate(n=Count("pk")))
    return [
        SourceStatus(
            code=code,
            label=source.label,
            service=source.service,
            updated_field=source.updated_field,
            entries=counts.get(code, 0),
            refreshed_at=states[code].refreshed_at if code in states else None,
        )
        for code, source in sources().items()
    ]
