"""`ent sso services add|list|approve|disable`: the operators' hands on the service registry.

The command runs as the platform operator (actor None): a service it adds is approved at once
unless --no-approve is given (the data controller approves it later with `approve`).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ent.directory.models import School
from ent.identity.session import LEVELS
from ent.sso.actions import approve_service, disable_service, register_service
from ent.sso.models import Protocol, Service, SubjectKind

PROTOCOLS = {"cas": Protocol.CAS, "saml": Protocol.SAML, "oidc": Protocol.OIDC}
SUBJECTS = {"opaque": SubjectKind.OPAQUE, "login": SubjectKind.LOGIN, "uuid": SubjectKind.UUID}


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Register, list, approve and disable the services that receive identities."

    def add_arguments(self, parser: ArgumentParser) -> None:
        objects = parser.add_subparsers(dest="object", required=True)
        services = objects.add_parser("services", help="the service registry")
        verbs = services.add_subparsers(dest="verb", required=True)
        add = verbs.add_parser("add", help="register a service (approved at once)")
        add.add_argument("--protocol", required=True, choices=sorted(PROTOCOLS))
        add.add_argument("--name", required=True)
        add.add_argument("--url-pattern", default="", help="regular expression, whole match")
        add.add_argument("--attributes", default="", help="comma-separated attribute names")
        add.add_argument("--subject", default="opaque", choices=sorted(SUBJECTS))
        add.add_argument("--min-level", type=int, default=1, help="authentication level needed")
        add.add_argument("--logout-url", default="", help="back-channel logout URL")
        add.add_argument("--entity-id", default="", help="SAML service provider entity id")
        add.add_argument("--metadata", type=Path, help="SAML service provider metadata file")
        add.add_argument("--no-approve", action="store_true", help="leave it to be approved")
        add.add_argument("--code", default="", help="service code that grants name (launcher)")
        add.add_argument("--launch-url", default="", help="where the launcher opens it")
        add.add_argument(
            "--school",
            default="",
            help="UAI of the school whose head approves it (data controller)",
        )
        listing = verbs.add_parser("list", help="list the services")
        listing.add_argument("--json", action="store_true")
        for verb, text in (("approve", "approve a service"), ("disable", "disable a service")):
            one = verbs.add_parser(verb, help=text)
            one.add_argument("name")
            one.add_argument("--protocol", choices=sorted(PROTOCOLS))

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "add":
            self._add(options)
        elif verb == "list":
            self._list(as_json=options["json"])
        else:
            service = self._find(options["name"], options["protocol"])
            change = approve_service if verb == "approve" else disable_service
            change(actor=None, service=service)
            state = "approved" if verb == "approve" else "disabled"
            self.stdout.write(f"{service.name} ({service.protocol}) {state}.")

    def _add(self, options: dict[str, Any]) -> None:
        metadata = ""
        if options["metadata"] is not None:
            try:
                metadata = options["metadata"].read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"--metadata: {error.strerror}: {error.filename}") from None
        if options["min_level"] not in LEVELS:
            known = ", ".join(f"{level} ({name})" for level, name in LEVELS.items())
            raise CommandError(f"--min-level: one of {known}.")
        school = self._school(options["school"])
        try:
            service = register_service(
                actor=None,
                protocol=PROTOCOLS[options["protocol"]],
                name=options["name"],
                url_pattern=options["url_pattern"],
                attributes=options["attributes"].split(","),
                subject_kind=SUBJECTS[options["subject"]],
                min_level=options["min_level"],
                logout_url=options["logout_url"],
                entity_id=options["entity_id"],
                metadata_xml=metadata,
                approve=not options["no_approve"],
                code=options["code"],
                launch_url=options["launch_url"],
                school=school,
            )
        except ValidationError as error:
            raise CommandError(_message(error)) from None
        state = "approved" if service.is_approved else "waiting for approval"
        self.stdout.write(f"{service.name} ({service.protocol}) registered, {state}.")
        if service.client_id:
            self.stdout.write(f"client_id: {service.client_id}")
        secret = getattr(service, "client_secret", "")
        if secret:
            self.stdout.write(f"client_secret: {secret}  (shown once: keep it now)")

    def _list(self, *, as_json: bool) -> None:
        rows: list[dict[str, Any]] = [
            {
                "name": service.name,
                "protocol": service.protocol,
                "pattern": service.url_pattern or service.entity_id,
                "approved": service.is_approved,
                "attributes": list(service.attributes),
                "subject": service.subject_kind.lower(),
                "min_level": service.min_level,
            }
            for service in Service.objects.order_by("protocol", "name")
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            approved = "approved" if row["approved"] else "NOT approved"
            attributes = ",".join(row["attributes"]) or "-"
            self.stdout.write(
                f"{row['name']}\t{row['protocol']}\t{row['pattern']}\t{approved}\t{attributes}"
            )

    def _school(self, uai: str) -> School | None:
        if not uai:
            return None
        school = School.objects.filter(uai=uai.strip().upper()).first()
        if school is None:
            raise CommandError(f"--school: no school has the UAI {uai}.")
        return school

    def _find(self, name: str, protocol: str | None) -> Service:
        services = Service.objects.filter(name=name)
        if protocol:
            services = services.filter(protocol=PROTOCOLS[protocol])
        found = list(services[:2])
        if not found:
            raise CommandError(f"No service named {name!r}.")
        if len(found) > 1:
            raise CommandError(f"Several services are named {name!r}: give --protocol.")
        return found[0]
