"""`ent directory stats|purge`: what an operator checks and runs on the directory."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ent.directory.actions import purge_departed_accounts
from ent.directory.queries import directory_stats


class Command(BaseCommand):
    help = "Directory counts and the purge of departed accounts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        stats = commands.add_parser("stats", help="count schools, people per profile, links")
        stats.add_argument("--json", action="store_true")
        purge = commands.add_parser("purge", help="purge accounts deactivated over 3 months ago")
        purge.add_argument(
            "--rollover",
            action="store_true",
            help="school-year rollover: also purge accounts kept on purpose",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "stats":
            stats = directory_stats()
            if options["json"]:
                self.stdout.write(json.dumps(stats))
            else:
                for name, value in stats.items():
                    self.stdout.write(f"{name}: {value}")
            return
        count = purge_departed_accounts(actor=None, rollover=options["rollover"])
        self.stdout.write(f"{count} account(s) purged.")
