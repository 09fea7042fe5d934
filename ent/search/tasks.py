"""Background entry points of the search."""

from __future__ import annotations

from django_tasks import task

from .actions import refresh_index


@task()
def refresh_search_index() -> None:
    """Bring the search index up to date (the light refresh a search starts)."""
    refresh_index(actor=None, light=True)
