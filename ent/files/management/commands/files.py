"""`ent files rescan|purge-trash`: the periodic jobs of "My documents"."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ent.files.actions import TRASH_DAYS, purge_old_trash, rescan_quarantined


class Command(BaseCommand):
    help = "My documents: rescan the quarantined files, empty the old trash."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser(
            "rescan",
            help="scan again the files the antivirus could not check (run it every few minutes)",
        )
        purge = commands.add_parser("purge-trash", help="delete for good what is old in the trash")
        purge.add_argument("--days", type=int, default=TRASH_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rescan":
            count = rescan_quarantined(actor=None)
            self.stdout.write(f"{count} file(s) left the quarantine.")
            return
        count = purge_old_trash(actor=None, days=options["days"])
        self.stdout.write(f"{count} item(s) deleted for good.")
