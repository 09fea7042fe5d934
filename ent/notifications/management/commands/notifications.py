"""`ent notifications digest|retry`: the notification service's periodic jobs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ent.notifications.actions import MAX_ATTEMPTS, retry_deliveries, send_digests


class Command(BaseCommand):
    help = "Notifications: send the e-mail digests, retry failed deliveries (run them hourly)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("digest", help="e-mail each person who chose it their digest")
        retry = commands.add_parser("retry", help="send again the deliveries that failed")
        retry.add_argument("--max-attempts", type=int, default=MAX_ATTEMPTS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "digest":
            sent = send_digests()
            self.stdout.write(f"{sent} digest(s) sent.")
            return
        outcome = retry_deliveries(max_attempts=options["max_attempts"])
        summary = ", ".join(
            f"{status.lower()}: {count}" for status, count in sorted(outcome.items())
        )
        self.stdout.write(f"Retried deliveries: {summary or 'none'}.")
