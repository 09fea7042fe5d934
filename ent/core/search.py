"""What an app's `search.py` declares so that the search service may index it (SOC-POR-MDR-04).

It lives in the kernel because service apps sit below `ent.search` and may not import it:
an app writes `SOURCES = (SearchSource(...),)` in its own `search.py`, and the search app
finds it with `autodiscover_modules("search")`. A test registers one with
`ent.search.registry.register(source)`.

The index keeps a copy of the text; who may see a row is never copied. At every search,
each hit is checked against `visible_to(person)` and the grant of `service`, so a row that
is deleted or hidden after indexing is never shown, however stale the index.

    SOURCES = (
        SearchSource(
            code="support.ticket",
            label=_("Tickets"),
            model=Ticket,
            text=lambda ticket: (ticket.subject, ticket.body),
            url=lambda ticket: reverse("support:ticket", args=[ticket.pk]),
            visible_to=lambda person: Ticket.objects.visible_to(person),
            service="support",
            updated_field="updated_at",
            author=lambda ticket: ticket.author.display_name,
            happened_at=lambda ticket: ticket.created_at,
            queryset=lambda: Ticket.objects.select_related("author"),
        ),
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class SearchSource:
    """One kind of object the search service indexes, and who may find it."""

    # Stable code, "app.noun": the index keeps it beside each row.
    code: str
    # The type of the results, as the search page shows it (SOC-POR-MDR-07).
    label: str | Promise
    # Its primary key must be an integer.
    model: type[models.Model]
    # The text of a row, in the order of importance (the first is the title).
    text: Callable[[Any], tuple[str, ...]]
    url: Callable[[Any], str]
    # UTI-IDO-REC-01: the rows `person` may open; the search filters every hit by it. Return a
    # lazy QuerySet that runs no query when built: it becomes a subquery of the search.
    visible_to: Callable[[Any], models.QuerySet[Any]]
    # The service whose grant is needed to see these results at all ("" : none).
    service: str = ""
    # A DateTimeField that moves on every change, so that a refresh reindexes only those.
    # Without it, only `ent search refresh` and `ent search reindex` see changed rows.
    updated_field: str = ""
    # Extra text shown under the title (the class of a person, the date of an entry).
    summary: Callable[[Any], str] | None = None
    # UTI-IDO-REC-05: the author's name and the date of a row, for the criteria of the search.
    author: Callable[[Any], str] | None = None
    happened_at: Callable[[Any], datetime | date | None] | None = None
    # The rows to index (default: every row), with the joins the callables above need.
    queryset: Callable[[], models.QuerySet[Any]] | None = None
