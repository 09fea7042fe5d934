"""`ent lesson_log publish-due|ensure-logs`: the cahier de textes' periodic jobs."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ent.directory.models import School
from ent.lesson_log.actions import ensure_logs, publish_due


class Command(BaseCommand):
    help = "Cahier de textes: publish the scheduled lessons due, create the logs of a school."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser(
            "publish-due",
            help="publish the scheduled lessons whose time has come and notify their work "
            "(run it every few minutes)",
        )
        ensure = commands.add_parser(
            "ensure-logs", help="create the logs of every class and group of the schools"
        )
        ensure.add_argument("--school", help="UAI; without it, every active school")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "publish-due":
            count = publish_due(actor=None)
            self.stdout.write(f"{count} scheduled lesson(s) published.")
            return
        schools = School.objects.filter(is_active=True)
        if options.get("school"):
            schools = schools.filter(uai=options["school"].upper())
            if not schools.exists():
                raise CommandError(f"No school has the UAI {options['school']}.")
        created = sum(ensure_logs(actor=None, school=school) for school in schools)
        self.stdout.write(f"{created} log(s) created.")
