"""`ent backoffice expire-accounts`: the daily job that deactivates expired external accounts."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ent.backoffice.actions import deactivate_expired_accounts


class Command(BaseCommand):
    help = "Jobs of the school's back-office, run by the host's scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        jobs = parser.add_subparsers(dest="job", required=True)
        jobs.add_parser(
            "expire-accounts",
            help="deactivate the accounts past their validity date (SOC-SUP-ABO-02)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = deactivate_expired_accounts(actor=None)
        self.stdout.write(f"{count} expired account(s) deactivated.")
