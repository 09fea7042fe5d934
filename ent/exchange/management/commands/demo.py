"""`ent demo generate|setup|accounts`: a synthetic académie, imported through the AAF feed."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ent.directory.demo import generate_academy
from ent.exchange.actions import RunError
from ent.exchange.demo import DEMO_PASSWORD, demo_accounts, set_up_demo


class Command(BaseCommand):
    help = "Generate and install the demo académie."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        generate = commands.add_parser("generate", help="write a synthetic académie as AAF files")
        generate.add_argument("--people", type=int, default=2000)
        generate.add_argument("--out", type=Path, required=True)
        generate.add_argument("--seed", type=int, default=1)
        setup = commands.add_parser("setup", help="generate, import and give demo passwords")
        setup.add_argument("--people", type=int, default=2000)
        setup.add_argument("--seed", type=int, default=1)
        accounts = commands.add_parser("accounts", help="list the demo accounts")
        accounts.add_argument("--json", action="store_true")

    def _log(self, text: str) -> None:
        sys.stderr.write(text + "\n")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = settings.DATA_DIR / "demo"
        if options["action"] == "generate":
            try:
                summary = generate_academy(
                    options["out"], people=options["people"], seed=options["seed"]
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"{summary.people} people ({summary.pupils} pupils, {summary.guardians} guardians, "
                f"{summary.staff} staff) in {sum(summary.schools.values())} structures, "
                f"written to {options['out']}"
            )
            return
        if options["action"] == "setup":
            try:
                runs = set_up_demo(
                    folder=folder,
                    people=options["people"],
                    seed=options["seed"],
                    log=self._log,
                )
            except (RunError, ValueError) as error:
                raise CommandError(str(error)) from None
            for run in runs:
                self.stdout.write(f"run {run.pk}: {run.source} {run.get_status_display()}")
        rows = demo_accounts(folder)
        if options.get("json"):
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for row in rows:
            self.stdout.write(
                f"  {row['profile']:4} {row['login']:28} {row['school']:40} {row['role']}"
            )
        if not rows:
            raise CommandError("No demo account: run `ent demo setup` first.")
