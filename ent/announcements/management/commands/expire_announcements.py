"""Mark news and alerts past their end as expired (AIN-02); pages already hide them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ent.announcements.actions import expire_announcements


class Command(BaseCommand):
    help = "Mark news and alerts past their end as expired."

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_announcements(actor=None)
        self.stdout.write(f"{count} expired")
