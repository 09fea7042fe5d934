"""The demo académie: generated AAF files imported through the real feed."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction

from ent.audit.actions import record
from ent.directory.demo import generate_academy
from ent.directory.models import ExternalId, School, Source, User
from ent.rights.actions import install_default_grants

from .actions import AlreadyImportedError, import_feed
from .models import FeedRun

# Every demo account signs in with this password; the demo is not for real people.
DEMO_PASSWORD = "Demo-ENT-2026"  # noqa: S105 (a published demo password, by design)
OPERATOR_LOGIN = "admin"


def set_up_demo(
    *, folder: Path, people: int, seed: int, log: Callable[[str], None]
) -> list[FeedRun]:
    """Generate the académie (once), import its Complet files, set the demo passwords and
    install the services' default grants."""
    accounts = folder / "demo-accounts.json"
    if not accounts.exists():
        log(f"Generating a demo académie of {people} people in {folder}…")
        generate_academy(folder, people=people, seed=seed)
    runs = []
    for complete in sorted(folder.glob("ENT*D.*.Complet")):
        log(f"Importing {complete.name}…")
        try:
            runs.append(import_feed(actor=None, path=complete))
        except AlreadyImportedError as already:
            runs.append(already.run)
    _set_passwords(accounts)
    granted = install_default_grants(actor=None)
    if granted:
        log(f"{granted} default service grant(s) installed.")
    populate_services(log=log)
    return runs


def populate_services(*, log: Callable[[str], None]) -> None:
    """Let each app add its demo content: the `populate(log=…)` of its `demo_content` module.

    Found by name, like `search.py`, because the service apps sit above this one. Each
    `populate` is idempotent: `ent demo setup` may run again on the same database.
    """
    for config in apps.get_app_configs():
        name = f"{config.name}.demo_content"
        try:
            module = import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name == name:
                continue
            raise
        log(f"Demo content: {config.verbose_name}…")
        module.populate(log=log)


@transaction.atomic
def _set_passwords(accounts: Path) -> None:
    keys = [row["key"] for row in json.loads(accounts.read_text(encoding="utf-8"))["accounts"]]
    for identifier in ExternalId.objects.filter(source=Source.AAF, value__in=keys).select_related(
        "person"
    ):
        person = identifier.person
        if not person.check_password(DEMO_PASSWORD):
            person.set_password(DEMO_PASSWORD)
            person.save(update_fields=["password"])
            record(
                actor=None,
                action="directory.person.set_password",
                target=person,
                data={"reason": "demo account"},
            )
    operator = User.objects.filter(login=OPERATOR_LOGIN).first()
    if operator is None:
        operator = User.objects.create_superuser(
            OPERATOR_LOGIN, DEMO_PASSWORD, first_name="Opérateur", last_name="Démo"
        )
        record(
            actor=None,
            action="directory.person.create",
            target=operator,
            data={"reason": "demo operator"},
        )


def demo_accounts(folder: Path) -> list[dict[str, Any]]:
    """List the demo accounts: login, profile, school, role and password."""
    path = folder / "demo-accounts.json"
    if not path.exists():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))["accounts"]
    people = {
        identifier.value: identifier.person
        for identifier in ExternalId.objects.filter(
            source=Source.AAF, value__in=[row["key"] for row in rows]
        ).select_related("person")
    }
    schools = dict(School.objects.values_list("uai", "name"))
    result = [
        {
            "login": people[row["key"]].login,
            "profile": row["profile"],
            "role": row["role"],
            "school": schools.get(row["school_uai"], row["school_uai"]),
            "uai": row["school_uai"],
            "password": DEMO_PASSWORD,
        }
        for row in rows
        if row["key"] in people
    ]
    if User.objects.filter(login=OPERATOR_LOGIN, is_superuser=True).exists():
        result.append(
            {
                "login": OPERATOR_LOGIN,
                "profile": "OPS",
                "role": "operator (admin site)",
                "school": "",
                "uai": "",
                "password": DEMO_PASSWORD,
            }
        )
    return result
