"""`ent search reindex|refresh|status`: the search index from the command line.

`ent search refresh` is the periodic job (every few minutes): it rewrites what changed,
including the sources that have no date of change, and drops what is gone.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ent.search.actions import SourceReport, rebuild_index, refresh_index
from ent.search.queries import index_status
from ent.search.registry import sources


class Command(BaseCommand):
    help = "The search index: rebuild it, refresh it, or show its state."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("reindex", "empty the index and fill it again from every source"),
            ("refresh", "rewrite the entries that changed and drop those that are gone"),
        ):
            command = commands.add_parser(name, help=text)
            command.add_argument(
                "--source", action="append", dest="codes", help="only this source (repeatable)"
            )
        commands.add_parser("status", help="list the sources and their entries")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _codes(self, options: dict[str, Any]) -> list[str] | None:
        codes: list[str] | None = options.get("codes")
        unknown = sorted(set(codes or ()) - set(sources()))
        if unknown:
            raise CommandError(f"Unknown search source(s): {', '.join(unknown)}.")
        return codes

    def _report(self, reports: list[SourceReport]) -> None:
        for report in reports:
            self.stdout.write(
                f"{report.code}\t{report.entries} entries\t"
                f"{report.written} written\t{report.removed} removed"
            )

    def _reindex(self, options: dict[str, Any]) -> None:
        self._report(rebuild_index(actor=None, codes=self._codes(options)))

    def _refresh(self, options: dict[str, Any]) -> None:
        self._report(refresh_index(actor=None, codes=self._codes(options)))

    def _status(self, options: dict[str, Any]) -> None:
        for status in index_status():
            refreshed = status.refreshed_at.isoformat() if status.refreshed_at else "never"
            self.stdout.write(
                f"{status.code}\t{status.label}\tservice={status.service or '-'}\t"
                f"{status.entries} entries\trefreshed {refreshed}"
            )
