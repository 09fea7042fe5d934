"""Full-text matching, one backend per database engine (STYLE §9), chosen by the connection.

SQLite: an FTS5 table over the folded words, kept in step by triggers (migration 0002).
PostgreSQL: a GIN index on `to_tsvector('simple', …)` of the same words, the title weighted
above the rest. Both receive only folded words (see text.py), each quoted: what a person
types can never be read as an operator, so no query is malformed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet

from .models import SearchEntry
from .text import Query


def vector() -> Any:
    """Return the PostgreSQL document of an entry, as the GIN index of migration 0002 has it."""
    return SearchVector("title_terms", config="simple", weight="A") + SearchVector(
        "body_terms", config="simple", weight="B"
    )


def _sqlite_expression(query: Query) -> str:
    # FTS5: "a b"* is the phrase a, b… with its last word a prefix; phrases side by side: AND.
    return " ".join('"' + " ".join(phrase) + '"*' for phrase in query.phrases)


def _postgresql_query(query: Query) -> SearchQuery:
    # to_tsquery: 'a' <-> 'b':* is the phrase a, b…; & joins phrases.
    phrases = (" <-> ".join(f"'{word}'" for word in phrase) + ":*" for phrase in query.phrases)
    return SearchQuery(" & ".join(phrases), config="simple", search_type="raw")


def matching(entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
    """Keep the entries whose words match `query`."""
    if connection.vendor == "postgresql":
        return entries.alias(document=vector()).filter(document=_postgresql_query(query))
    return entries.filter(fts__document__match=_sqlite_expression(query))


def ranked(entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
    """Annotate entries already kept by `matching` with `relevance` (higher is better)."""
    if connection.vendor == "postgresql":
        return entries.annotate(relevance=SearchRank(vector(), _postgresql_query(query)))
    # bm25, weighted 10 for the title (migration 0002): lower is better.
    return entries.annotate(relevance=-F("fts__rank"))
