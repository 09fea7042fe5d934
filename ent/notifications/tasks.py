"""Background entry points of the notification service."""

from __future__ import annotations

from django_tasks import task

from .actions import deliver_batch


@task()
def deliver_notifications(*, batch: str) -> dict[str, int]:
    """Deliver one `notify()` call's notifications on e-mail, SMS and web push."""
    return deliver_batch(batch=batch)
