"""`ent pupil_records purge|grants`: the pupil follow-up's periodic jobs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ent.directory.models import School
from ent.pupil_records.actions import install_school_grants, purge_old_absences


class Command(BaseCommand):
    help = (
        "Pupil follow-up: purge absence data older than one year (run it nightly); grant the "
        "service in the schools that do not have it yet (run it after each AAF import)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("purge", help="delete absences (and their history) older than a year")
        grants = commands.add_parser("grants", help="install the service's grants in each school")
        grants.add_argument("--uai", help="only this school")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            result = purge_old_absences(actor=None)
            self.stdout.write(
                f"{result.absences} absence(s) and {result.changes} history row(s) recorded "
                f"before {result.cutoff:%Y-%m-%d %H:%M} purged."
            )
            return
        school = None
        if options.get("uai"):
            school = School.objects.filter(uai=options["uai"]).first()
            if school is None:
                raise CommandError(f"No school with UAI {options['uai']}.")
        created = install_school_grants(actor=None, school=school)
        self.stdout.write(f"{created} grant(s) of the pupil follow-up installed.")
