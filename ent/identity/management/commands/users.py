"""`ent users`: operators' account commands, each a thin call into `ent.identity.lifecycle`.

ent users set-password LOGIN       the password is read from standard input, never echoed
ent users show LOGIN [--json]      identifiers per source, memberships, lifecycle dates
ent users suspend LOGIN [--reason TEXT]
ent users reactivate LOGIN
ent users revoke LOGIN [--reason LOST|STOLEN|MALFUNCTION|OTHER]
"""

from __future__ import annotations

import getpass
import json
import sys
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from ent.directory.models import User
from ent.identity.lifecycle import (
    AccountStateError,
    RevocationReason,
    change_password,
    reactivate_account,
    revoke_credentials,
    suspend_account,
)
from ent.identity.queries import account_summary


class Command(BaseCommand):
    help = "Manage people's accounts: password, state, credentials."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        password = commands.add_parser(
            "set-password", help="set a password read from standard input (checked by the policy)"
        )
        password.add_argument("login")
        show = commands.add_parser("show", help="print an account")
        show.add_argument("login")
        show.add_argument("--json", action="store_true", help="one JSON document")
        suspend = commands.add_parser("suspend", help="refuse sign-in and end open sessions")
        suspend.add_argument("login")
        suspend.add_argument("--reason", default="", help="why (kept in the audit trail)")
        reactivate = commands.add_parser("reactivate", help="lift a suspension or deactivation")
        reactivate.add_argument("login")
        revoke = commands.add_parser("revoke", help="revoke every credential (lost, stolen…)")
        revoke.add_argument("login")
        revoke.add_argument(
            "--reason", default=RevocationReason.LOST.value, choices=RevocationReason.values
        )

    def execute(self, *args: Any, **options: Any) -> Any:
        # As createsuperuser does: tests hand a stream in; operators type or pipe the password.
        self.stdin: TextIO = options.pop("stdin", None) or sys.stdin
        return super().execute(*args, **options)

    def handle(self, *args: Any, **options: Any) -> None:
        person = User.objects.filter(login=options["login"]).first()
        if person is None:
            raise CommandError(f"No person has the login {options['login']!r}.")
        action = options["action"]
        try:
            if action == "show":
                self._show(person, as_json=options["json"])
            elif action == "set-password":
                change_password(actor=None, person=person, password=self._read_password())
                self.stdout.write(f"Password of {person.login} set.")
            elif action == "suspend":
                suspend_account(actor=None, person=person, reason=options["reason"])
                self.stdout.write(f"{person.login} suspended; open sessions ended.")
            elif action == "reactivate":
                reactivate_account(actor=None, person=person)
                self.stdout.write(f"{person.login} reactivated.")
            else:
                counts = revoke_credentials(actor=None, person=person, reason=options["reason"])
                self.stdout.write(
                    f"Credentials of {person.login} revoked: {counts['codes']} code(s), "
                    f"{counts['cards']} card(s), {counts['totp']} one-time code generator(s), "
                    f"{counts['sessions']} session(s) ended."
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except (AccountStateError, PermissionDenied) as error:
            raise CommandError(str(error)) from None

    def _read_password(self) -> str:
        if self.stdin.isatty():
            password = getpass.getpass("Password: ", stream=sys.stderr)
            if getpass.getpass("Password (again): ", stream=sys.stderr) != password:
                raise CommandError("The two passwords differ.")
            return password
        password = self.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password on standard input.")
        return password

    def _show(self, person: User, *, as_json: bool) -> None:
        summary = account_summary(person)
        if as_json:
            self.stdout.write(json.dumps(summary, cls=DjangoJSONEncoder, ensure_ascii=False))
            return
        for name, value in summary.items():
            if name == "external_ids":
                for external in value:
                    self.stdout.write(f"external id: {external['source']} {external['value']}")
            elif name == "memberships":
                for membership in value:
                    self.stdout.write(
                        f"membership: {membership['profile']} {membership['school_uai']} "
                        f"{membership['school_name']}"
                    )
            else:
                self.stdout.write(f"{name}: {'' if value is None else value}")
