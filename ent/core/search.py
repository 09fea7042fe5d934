"""What an app's `search.py` declares so that the search service may index it (SOC-POR-MDR-04).

It lives in the kernel because service apps sit below `ent.search` and may not import it:
an app writes `SOURCES = (SearchSource(...),)` in its own `search.py`, and the search app
finds it with `autodiscover_modules("search")`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class SearchSource:
    """One kind of object the search service indexes, and who may find it."""

    # Stable code, "app.noun": the index keeps it beside each row.
    code: str
    label: str | Promise
    model: type[models.Model]
    # The text of a row, in the order of importance (the first is the title).
    text: Callable[[Any], tuple[str, ...]]
    url: Callable[[Any], str]
    # UTI-IDO-REC-01: the rows `person` may open; the search filters every hit by it.
    visible_to: Callable[[Any], models.QuerySet[Any]]
    # The service whose grant is needed to see these results at all ("" : none).
    service: str = ""
    # A DateTimeField that moves on every change, so that a refresh reindexes only those.
    updated_field: str = ""
    # Extra text shown under the title (the class of a person, the date of an entry).
    summary: Callable[[Any], str] | None = None
