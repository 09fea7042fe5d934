"""`ent aaf import|resume|replay|runs|show`: the AAF feed for operators."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ent.exchange.actions import RunError, import_feed, replay_run, resume_run
from ent.exchange.models import FeedRun


class ProgressBar:
    """A progress line on the terminal (a line per stage when the output is not a terminal)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total:
            width = 30
            filled = width * done // total
            line = f"{stage:8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} lots"
        else:
            line = f"{stage:8} {done} records read"
        if self.tty:
            self.stream.write(f"\r{line}")
            self.stream.flush()
        elif stage != self.last:
            self.stream.write(f"{stage}…\n")
        self.last = stage

    def end(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")


def plan_table(run: FeedRun) -> str:
    """Render a run's plan: created, updated, unchanged, disappeared and rejected per category."""
    columns = ["CREATE", "UPDATE", "UNCHANGED", "DELETE", "DISAPPEAR", "REJECTED"]
    lines = [f"{'category':12}" + "".join(f"{name.lower():>11}" for name in columns)]
    for kind, counts in run.plan.items():
        lines.append(f"{kind:12}" + "".join(f"{counts.get(name, 0):>11}" for name in columns))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Import the académie's AAF export and manage its runs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        load = commands.add_parser("import", help="import a folder, .zip or .tar.gz of AAF files")
        load.add_argument("path", type=Path)
        load.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
        load.add_argument(
            "--force", action="store_true", help="read files already imported once again"
        )
        for name, text in (
            ("resume", "resume an interrupted run"),
            ("replay", "replay failed lots and quarantined records"),
            ("show", "show a run's report"),
        ):
            sub = commands.add_parser(name, help=text)
            sub.add_argument("run", type=int)
            if name == "show":
                sub.add_argument("--json", action="store_true")
        commands.add_parser("runs", help="list the latest runs")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "runs":
            for run in FeedRun.objects.order_by("-pk")[:20]:
                self.stdout.write(
                    f"{run.pk:>5} {run.started_at:%Y-%m-%d %H:%M} {run.mode:8} "
                    f"{run.status:17} {run.source}"
                )
            return
        bar = ProgressBar(sys.stderr)
        try:
            if action == "import":
                if not options["path"].exists():
                    raise CommandError(f"{options['path']}: no such file or folder.")
                run = import_feed(
                    actor=None,
                    path=options["path"],
                    dry_run=options["dry_run"],
                    force=options["force"],
                    progress=bar,
                )
            else:
                run = self._run(options["run"])
                if action == "resume":
                    run = resume_run(actor=None, run=run, progress=bar)
                elif action == "replay":
                    run = replay_run(actor=None, run=run, progress=bar)
        except RunError as error:
            bar.end()
            raise CommandError(str(error)) from None
        bar.end()
        if action == "show" and options.get("json"):
            self.stdout.write(json.dumps(self._as_dict(run), indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"Run {run.pk} ({run.mode}): {run.get_status_display()}")
        self.stdout.write(plan_table(run))
        report = run.report
        if report.get("unknown_attributes"):
            self.stdout.write(f"Unknown attributes skipped: {report['unknown_attributes']}")
        for warning in report.get("warnings", [])[:20]:
            self.stdout.write(f"warning: {warning}")
        for entry in run.quarantine.open().order_by("pk")[:20]:
            where = f"{entry.file}, record {entry.index} ({entry.key})"
            text = (
                entry.reason if entry.reason.startswith(entry.file) else f"{where}: {entry.reason}"
            )
            self.stdout.write(f"quarantine: {text}")
        if run.quarantine.open().exists():
            self.stdout.write(f"Replay with `ent aaf replay {run.pk}` once the cause is fixed.")

    def _run(self, pk: int) -> FeedRun:
        run = FeedRun.objects.filter(pk=pk).first()
        if run is None:
            raise CommandError(f"there is no run {pk}.")
        return run

    def _as_dict(self, run: FeedRun) -> dict[str, Any]:
        return {
            "id": run.pk,
            "mode": run.mode,
            "status": run.status,
            "source": run.source,
            "plan": run.plan,
            "report": run.report,
            "error": run.error,
            "quarantine": [
                {
                    "file": entry.file,
                    "record": entry.index,
                    "key": entry.key,
                    "kind": entry.kind,
                    "status": entry.status,
                    "reason": entry.reason,
                }
                for entry in run.quarantine.order_by("pk")
            ],
        }
