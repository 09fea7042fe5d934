"""The search index, its full-text companion on SQLite, and each person's search history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FTS_TABLE = "search_entry_fts"


class SearchEntry(models.Model):
    """The indexed text of one object of a source, with what the result list shows."""

    source = models.CharField(_("source"), max_length=60)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("result title"), max_length=300)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # The text as written, for the extract shown under a result.
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("address"), max_length=500)
    author = models.CharField(_("author"), max_length=200, blank=True)
    happened_at = models.DateTimeField(_("date"), null=True, blank=True)
    # Folded words (see text.index_terms): what both full-text backends index.
    title_terms = models.TextField(_("title words"), blank=True)
    body_terms = models.TextField(_("text words"), blank=True)
    author_terms = models.CharField(_("author words"), max_length=200, blank=True)
    # A digest of everything above, so that a refresh rewrites only rows that changed.
    digest = models.CharField(_("digest"), max_length=64)
    indexed_at = models.DateTimeField(_("indexed at"), default=timezone.now)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["source", "object_id"], name="unique_search_entry")
        ]
        indexes = [models.Index(fields=["source", "happened_at"], name="search_entry_date")]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id} {self.title}"


class FullTextField(models.TextField):  # type: ignore[type-arg]  # type-arg: plain TextField subclass
    """The hidden column of an SQLite FTS5 table that takes a MATCH query."""


@FullTextField.register_lookup
class Match(Lookup[Any]):
    """`fts__document__match="…"`: SQLite's MATCH operator on an FTS5 table."""

    lookup_name = "match"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)


class IndexedText(models.Model):
    """The FTS5 table over SearchEntry's words, on SQLite only (see migration 0002).

    Triggers keep it in step with SearchEntry, whatever writes there.
    """

    entry = models.OneToOneField(
        SearchEntry,
        verbose_name=_("entry"),
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        related_name="fts",
    )
    # FTS5 names the column that matches every indexed column after the table.
    document = FullTextField(_("document"), db_column=FTS_TABLE)
    # FTS5's relevance of the row for the current MATCH (bm25: lower is better).
    rank = models.FloatField(_("rank"))

    class Meta:
        managed = False
        db_table = FTS_TABLE
        verbose_name = _("indexed text")
        verbose_name_plural = _("indexed texts")

    def __str__(self) -> str:
        return str(self.pk)


class SourceState(models.Model):
    """When a source was last refreshed, so that the next refresh reads only what moved."""

    source = models.CharField(_("source"), max_length=60, unique=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))
    entries = models.PositiveIntegerField(_("entries"), default=0)

    class Meta:
        verbose_name = _("search source state")
        verbose_name_plural = _("search source states")

    def __str__(self) -> str:
        return f"{self.source} @ {self.refreshed_at:%Y-%m-%d %H:%M}"


class PastSearch(models.Model):
    """A search a person ran (SOC-POR-MDR-06): the last ones are kept, saved ones until deleted."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    query = models.CharField(_("query"), max_length=200, blank=True)
    # The whole criteria as a query string, to run the search again, and its digest.
    parameters = models.TextField(_("parameters"))
    key = models.CharField(_("key"), max_length=64)
    searched_at = models.DateTimeField(_("searched at"), default=timezone.now)
    is_saved = models.BooleanField(_("saved"), default=False)

    class Meta:
        verbose_name = _("past search")
        verbose_name_plural = _("past searches")
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="unique_past_search")]
        indexes = [models.Index(fields=["person", "searched_at"], name="past_search_recent")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.query}"
