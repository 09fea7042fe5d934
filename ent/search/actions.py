"""Every write of the search: the index (refresh, rebuild) and each person's history.

Searches are not audited: the history is the person's own, and a trail of every query typed
would be personal data kept for no security purpose. Rebuilding the index is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from ent.audit.actions import record
from ent.core.search import SearchSource
from ent.directory.models import User
from ent.rights.queries import Rights

from .models import PastSearch, SearchEntry, SourceState
from .queries import Criteria, SearchResults, search_results
from .registry import sources
from .text import clean_input, index_terms

# SOC-POR-MDR-06: the unsaved searches kept per person, and the saved ones allowed.
HISTORY_LENGTH = 10
SAVED_LIMIT = 50
# A search starts a refresh of the index at most this often.
REFRESH_EVERY_SECONDS = 60
REFRESH_KEY = "search:refresh-scheduled"
BATCH = 500
BODY_LIMIT = 20_000
ENTRY_FIELDS = (
    "title",
    "summary",
    "body",
    "url",
    "author",
    "happened_at",
    "title_terms",
    "body_terms",
    "author_terms",
    "digest",
    "indexed_at",
)


class SavedSearchLimitError(Exception):
    """A person already keeps as many saved searches as allowed."""


# Searching -----------------------------------------------------------------------------------


def run_search(*, actor: User, rights: Rights, criteria: Criteria, page: int = 1) -> SearchResults:
    """Search what `actor` may see, remember the search and keep the index fresh."""
    schedule_refresh()
    if page == 1 and (criteria.text.strip() or criteria.has_filters):
        remember_search(actor=actor, criteria=criteria)
    return search_results(person=actor, rights=rights, criteria=criteria, page=page)


def schedule_refresh() -> bool:
    """Queue a refresh of the index, unless one was queued in the last minute."""
    if not cache.add(REFRESH_KEY, True, timeout=REFRESH_EVERY_SECONDS):
        return False

    def enqueue() -> None:
        from .tasks import refresh_search_index

        refresh_search_index.enqueue()

    transaction.on_commit(enqueue)
    return True


@transaction.atomic
def remember_search(*, actor: User, criteria: Criteria) -> None:
    """Put a search at the top of `actor`'s history, keeping the last ten unsaved ones."""
    parameters = criteria.parameters()
    PastSearch.objects.bulk_create(
        [
            PastSearch(
                person=actor,
                query=clean_input(criteria.text).strip(),
                parameters=parameters,
                key=hashlib.sha256(parameters.encode("utf-8")).hexdigest(),
                searched_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["person", "key"],
        update_fields=["searched_at"],
    )
    stale = (
        PastSearch.objects.filter(person=actor, is_saved=False)
        .order_by("-searched_at", "-pk")
        .values("pk")[HISTORY_LENGTH:]
    )
    PastSearch.objects.filter(pk__in=stale).delete()


def _own(actor: User, past_search: PastSearch) -> None:
    if past_search.person_id != actor.pk:
        raise PermissionDenied


@transaction.atomic
def forget_search(*, actor: User, past_search: PastSearch) -> None:
    """Delete one search from `actor`'s history."""
    _own(actor, past_search)
    past_search.delete()


@transaction.atomic
def clear_search_history(*, actor: User) -> int:
    """Delete `actor`'s unsaved searches; return how many were deleted."""
    deleted, _ = PastSearch.objects.filter(person=actor, is_saved=False).delete()
    return deleted


@transaction.atomic
def save_search(*, actor: User, past_search: PastSearch, is_saved: bool = True) -> PastSearch:
    """Keep a search of the history until deleted (SOC-POR-MDR-06), or stop keeping it."""
    _own(actor, past_search)
    saved = PastSearch.objects.filter(person=actor, is_saved=True)
    if is_saved and not past_search.is_saved and saved.count() >= SAVED_LIMIT:
        raise SavedSearchLimitError
    past_search.is_saved = is_saved
    past_search.save(update_fields=["is_saved"])
    return past_search


# Indexing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceReport:
    """What a refresh did to one source."""

    code: str
    written: int
    removed: int
    entries: int


def _moment(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.min))


def _entry(source: SearchSource, row: Any, now: datetime) -> SearchEntry:
    """Build the index row of one object."""
    texts = [text or "" for text in source.text(row)]
    title = (texts[0] if texts else "") or str(row)
    body = "\n".join(text for text in texts[1:] if text)[:BODY_LIMIT]
    summary = source.summary(row) if source.summary else ""
    author = source.author(row) if source.author else ""
    happened_at = _moment(source.happened_at(row)) if source.happened_at else None
    values: dict[str, Any] = {
        "title": title[:300],
        "summary": (summary or "")[:300],
        "body": body,
        "url": source.url(row)[:500],
        "author": (author or "")[:200],
        "happened_at": happened_at,
        "title_terms": index_terms(title),
        "body_terms": index_terms(summary or "", body, author or ""),
        "author_terms": index_terms(author or "")[:200],
    }
    digest = hashlib.sha256(
        json.dumps(values, default=str, sort_keys=True).encode("utf-8")
    ).hexdigest()
    return SearchEntry(
        source=source.code, object_id=row.pk, digest=digest, indexed_at=now, **values
    )


def _rows(source: SearchSource) -> models.QuerySet[Any]:
    rows = source.queryset() if source.queryset else source.model._default_manager.all()
    return rows.order_by("pk")


def _batches(rows: Iterable[Any]) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _write(source: SearchSource, rows: models.QuerySet[Any]) -> int:
    """Write the index rows of `rows` that changed, a batch at a time; return how many."""
    written = 0
    for batch in _batches(rows.iterator(chunk_size=BATCH)):
        now = timezone.now()
        entries = [_entry(source, row, now) for row in batch]
        known = dict(
            SearchEntry.objects.filter(
                source=source.code, object_id__in=[entry.object_id for entry in entries]
            ).values_list("object_id", "digest")
        )
        changed = [entry for entry in entries if known.get(entry.object_id) != entry.digest]
        if changed:
            SearchEntry.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["source", "object_id"],
                update_fields=list(ENTRY_FIELDS),
            )
        written += len(changed)
    return written


def _refresh_source(source: SearchSource, *, light: bool) -> SourceReport:
    """Bring one source's index rows up to date."""
    started = timezone.now()
    state = SourceState.objects.filter(source=source.code).first()
    rows = _rows(source)
    if state is None:
        changed = rows
    elif source.updated_field:
        changed = rows.filter(**{f"{source.updated_field}__gte": state.refreshed_at})
    else:
        # Without a date of change every row is read again: the periodic job does it.
        changed = rows.none() if light else rows
    written = _write(source, changed)
    removed, _ = (
        SearchEntry.objects.filter(source=source.code)
        .exclude(object_id__in=rows.order_by().values("pk"))
        .delete()
    )
    entries = SearchEntry.objects.filter(source=source.code).count()
    SourceState.objects.update_or_create(
        source=source.code, defaults={"refreshed_at": started, "entries": entries}
    )
    return SourceReport(source.code, written, removed, entries)


def refresh_index(
    *, actor: User | None = None, codes: Collection[str] | None = None, light: bool = False
) -> list[SourceReport]:
    """Rewrite the index rows whose object changed and drop those whose object is gone.

    `light` (the refresh a search starts) skips re-reading sources that have no date of
    change once they are indexed. Each batch is its own transaction, so that a large
    source never holds the database's write lock for long; a source's mark moves only once
    all its batches are written.
    """
    active = sources()
    unknown = [code for code in codes or () if code not in active]
    if unknown:
        raise ValueError(f"Unknown search sources: {', '.join(unknown)}.")
    if codes is None:
        # Rows of sources no app declares any more.
        SearchEntry.objects.exclude(source__in=list(active)).delete()
        SourceState.objects.exclude(source__in=list(active)).delete()
    selected = [active[code] for code in (codes if codes is not None else active)]
    return [_refresh_source(source, light=light) for source in selected]


@transaction.atomic
def rebuild_index(
    *, actor: User | None = None, codes: Collection[str] | None = None
) -> list[SourceReport]:
    """Empty the index (of `codes`) and fill it again from every source."""
    active = sources()
    chosen = list(codes) if codes is not None else list(active)
    entries = (
        SearchEntry.objects.all()
        if codes is None
        else SearchEntry.objects.filter(source__in=chosen)
    )
    entries.delete()
    states = (
        SourceState.objects.all()
        if codes is None
        else SourceState.objects.filter(source__in=chosen)
    )
    states.delete()
    reports = refresh_index(actor=actor, codes=chosen)
    record(
        actor=actor,
        action="search.index.rebuild",
        data={"sources": chosen, "entries": sum(report.entries for report in reports)},
    )
    return reports


@transaction.atomic
def erase_person_data(person: User) -> None:
    """Erase a purged person's searches and the index entries that describe them
    (SOC-SUP-ABO-01: the search index keeps nothing of a departed person)."""
    PastSearch.objects.filter(person=person).delete()
    people = [code for code, source in sources().items() if source.model is type(person)]
    SearchEntry.objects.filter(source__in=people, object_id=person.pk).delete()
