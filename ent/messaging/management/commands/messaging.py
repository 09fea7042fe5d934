"""`ent messaging rescan`: mail's periodic jobs (the servers' sub-commands may join them)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ent.messaging.actions import rescan_held


class Command(BaseCommand):
    help = "Mail: scan again the messages held while the antivirus was unavailable."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("rescan", help="scan the held messages again and deliver clean ones")

    def handle(self, *args: Any, **options: Any) -> None:
        released = rescan_held(actor=None)
        self.stdout.write(f"{released} held message(s) released.")
