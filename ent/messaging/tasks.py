"""Background entry points of mail: ids in, one action call."""

from __future__ import annotations

from django_tasks import task

from . import actions


@task()
def deliver_message(*, message_id: int) -> int:
    """Serve the recipients of one accepted message (idempotent)."""
    return actions.deliver_message(message_id=message_id)


@task()
def rescan_held() -> int:
    """Scan again the mail held while the antivirus was unavailable."""
    return actions.rescan_held(actor=None)
