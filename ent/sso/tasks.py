"""Background entry points of single sign-on."""

from __future__ import annotations

from django_tasks import task

from .actions import deliver_service_logouts


@task()
def send_service_logouts(*, login_ids: list[int]) -> None:
    """Tell services that their sessions ended (single logout)."""
    deliver_service_logouts(login_ids=login_ids)
