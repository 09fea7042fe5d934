"""`ent audit prune`: keep the audit trail for AUDIT_RETENTION_DAYS days."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ent.audit.actions import prune_audit_trail


class Command(BaseCommand):
    help = "Maintain the audit trail."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("prune", help="delete events older than AUDIT_RETENTION_DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune_audit_trail(actor=None, retention_days=settings.AUDIT_RETENTION_DAYS)
        self.stdout.write(
            f"{deleted} audit event(s) older than {settings.AUDIT_RETENTION_DAYS} days deleted."
        )
