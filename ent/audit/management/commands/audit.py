"""`ent audit prune`: keep the audit trail for AUDIT_RETENTION_DAYS days.
`ent audit trail LOGIN`: one person's chain of events, oldest first (SOC-SEC-APS-03)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ent.audit.actions import prune_audit_trail
from ent.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Maintain the audit trail."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("prune", help="delete events older than AUDIT_RETENTION_DAYS")
        trail = commands.add_parser("trail", help="print one person's events, oldest first")
        trail.add_argument("login")
        trail.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "trail":
            self._trail(options["login"], as_json=options["json"])
            return
        deleted = prune_audit_trail(actor=None, retention_days=settings.AUDIT_RETENTION_DAYS)
        self.stdout.write(
            f"{deleted} audit event(s) older than {settings.AUDIT_RETENTION_DAYS} days deleted."
        )

    def _trail(self, login: str, *, as_json: bool) -> None:
        person = get_user_model().objects.filter(login=login).first()
        if person is None:
            raise CommandError(f"No person has the login {login!r}.")
        events = AuditEvent.objects.trail_of(person).order_by("at", "pk")
        for event in events.iterator():
            row = {
                "at": event.at.isoformat(),
                "actor": event.actor_label,
                "action": event.action,
                "target": event.target_label,
                "outcome": event.outcome,
                "address": event.address,
                "data": event.data,
            }
            if as_json:
                self.stdout.write(json.dumps(row, ensure_ascii=False, sort_keys=True))
            else:
                self.stdout.write(
                    f"{row['at']} {row['actor']} {row['action']} {row['target']} {row['outcome']}"
                )
