"""`ent timetable import SCHOOL_UAI FILE [--kind sts|ical|edt] [--target …] [--dry-run]`: import
a timetable file as the platform; the outcome lands in the school's import history."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ent.directory.models import School
from ent.timetable.actions import import_timetable
from ent.timetable.importers import EDT, ICAL, STS
from ent.timetable.importers.resolve import Target
from ent.timetable.models import ImportStatus
from ent.timetable.queries import import_targets

KINDS = {"sts": STS, "ical": ICAL, "edt": EDT}


class Command(BaseCommand):
    help = "Import timetable files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        run = commands.add_parser("import", help="import one timetable file into one school")
        run.add_argument("uai", help="the school's UAI")
        run.add_argument("file", type=Path)
        run.add_argument("--kind", choices=sorted(KINDS), help="refuse a file of another kind")
        run.add_argument(
            "--target",
            default="",
            help="for an iCalendar file: class:CODE, group:CODE or teacher:LOGIN",
        )
        run.add_argument("--dry-run", action="store_true", help="count, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(uai=options["uai"].upper()).first()
        if school is None:
            raise CommandError(f"No school has the UAI {options['uai']!r}.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path} cannot be read: {error}.") from None
        entry = import_timetable(
            actor=None,
            school=school,
            filename=path.name,
            data=data,
            kind=KINDS[options["kind"]] if options["kind"] else None,
            target=self._target(school, options["target"]),
            dry_run=options["dry_run"],
        )
        if entry.status == ImportStatus.FAILED:
            raise CommandError(f"Refused: {entry.error}")
        for line in entry.warning_lines:
            self.stdout.write(f"warning: {line}")
        prefix = "dry run: " if options["dry_run"] else ""
        if entry.status == ImportStatus.UNCHANGED:
            self.stdout.write(f"{prefix}same file as the last import: nothing changed.")
            return
        self.stdout.write(
            f"{prefix}{entry.created_count} created, {entry.updated_count} updated, "
            f"{entry.deleted_count} removed, {entry.unchanged_count} unchanged, "
            f"{entry.skipped_count} skipped."
        )

    def _target(self, school: School, value: str) -> Target | None:
        if not value:
            return None
        kind, _sep, code = value.partition(":")
        for target in import_targets(school):
            if target.kind == kind and code == target.code:
                return target
        raise CommandError(f"{value!r} is no class, group or teacher of {school.uai}.")
