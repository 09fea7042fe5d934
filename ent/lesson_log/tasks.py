"""Background entry points of the cahier de textes."""

from __future__ import annotations

from django_tasks import task

from .actions import publish_due


@task()
def publish_due_entries() -> int:
    """Publish the scheduled lessons whose time has come and announce their work to do."""
    return publish_due(actor=None)
