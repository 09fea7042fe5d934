"""`ent saml idp add|list|replace-metadata`: the external identity providers the ENT trusts.
`ent saml sp add|list|replace-metadata`: the SAML services the ENT signs people into (GAR…).
`ent saml metadata`: print the ENT's own metadata, identity provider then service provider.

The command runs as the platform operator (actor None): what it registers is approved at once.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ent.identity.session import LEVELS
from ent.sso.models import Audience, IdentityProvider, Protocol, Service, SubjectKind
from ent.sso.saml import idp_config, signed_metadata, sp_config
from ent.sso.saml_idp import PROFILES, register_saml_service, replace_service_metadata
from ent.sso.saml_sp import (
    certificate_expiry,
    register_identity_provider,
    replace_provider_metadata,
)

AUDIENCES = {"pupils_parents": Audience.PUPILS_AND_PARENTS, "staff": Audience.STAFF}
SUBJECTS = {"opaque": SubjectKind.OPAQUE, "login": SubjectKind.LOGIN, "uuid": SubjectKind.UUID}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"--metadata: {error.strerror}: {error.filename}") from None


def _level(value: int) -> int:
    if value not in LEVELS:
        known = ", ".join(f"{level} ({name})" for level, name in LEVELS.items())
        raise CommandError(f"level {value}: use one of {known}.")
    return value


class Command(BaseCommand):
    help = "Register SAML identity providers (federation) and service providers; print metadata."

    def add_arguments(self, parser: ArgumentParser) -> None:
        objects = parser.add_subparsers(dest="object", required=True)
        idp = objects.add_parser("idp", help="external identity providers (EduConnect…)")
        idp_verbs = idp.add_subparsers(dest="verb", required=True)
        add = idp_verbs.add_parser("add", help="trust an identity provider from its metadata")
        add.add_argument("--name", required=True)
        add.add_argument("--slug", required=True, help="short name, in /saml/sp/login/<slug>")
        add.add_argument("--audience", required=True, choices=sorted(AUDIENCES))
        add.add_argument("--metadata", required=True, type=Path, help="its metadata file")
        add.add_argument(
            "--match-attribute", required=True, help="attribute carrying the AAF joint key"
        )
        add.add_argument("--level", type=int, default=1, help="level its proof is worth")
        idp_verbs.add_parser("list", help="list the identity providers")
        renew = idp_verbs.add_parser("replace-metadata", help="new metadata (new certificate)")
        renew.add_argument("slug")
        renew.add_argument("--metadata", required=True, type=Path, help="its metadata file")
        sp = objects.add_parser("sp", help="SAML service providers (the GAR…)")
        sp_verbs = sp.add_subparsers(dest="verb", required=True)
        add = sp_verbs.add_parser("add", help="register a service provider from its metadata")
        add.add_argument("--name", required=True)
        add.add_argument("--metadata", required=True, type=Path, help="its metadata file")
        add.add_argument("--attributes", default="", help="comma-separated attribute names")
        add.add_argument("--profile", default="", choices=[p for p in PROFILES if p])
        add.add_argument("--subject", default="opaque", choices=sorted(SUBJECTS))
        add.add_argument("--min-level", type=int, default=1, help="authentication level needed")
        sp_verbs.add_parser("list", help="list the SAML service providers")
        renew = sp_verbs.add_parser("replace-metadata", help="new metadata (new certificate)")
        renew.add_argument("name")
        renew.add_argument("--metadata", required=True, type=Path, help="its metadata file")
        objects.add_parser("metadata", help="print the ENT's IdP and SP metadata")

    def handle(self, *args: Any, **options: Any) -> None:
        action = (options["object"], options.get("verb"))
        try:
            if action == ("idp", "add"):
                self._add_idp(options)
            elif action == ("idp", "list"):
                self._list_idps()
            elif action == ("sp", "add"):
                self._add_sp(options)
            elif action == ("sp", "list"):
                self._list_sps()
            elif action == ("idp", "replace-metadata"):
                self._replace_idp(options)
            elif action == ("sp", "replace-metadata"):
                self._replace_sp(options)
            else:
                self.stdout.write(signed_metadata(idp_config()))
                self.stdout.write(signed_metadata(sp_config()))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def _add_idp(self, options: dict[str, Any]) -> None:
        provider = register_identity_provider(
            actor=None,
            name=options["name"],
            slug=options["slug"],
            audience=AUDIENCES[options["audience"]],
            metadata_xml=_read(options["metadata"]),
            match_attribute=options["match_attribute"],
            level=_level(options["level"]),
        )
        self.stdout.write(f"{provider.name} ({provider.entity_id}) trusted.")

    def _list_idps(self) -> None:
        for provider in IdentityProvider.objects.order_by("name"):
            expiry = certificate_expiry(provider)
            state = "enabled" if provider.is_enabled else "disabled"
            self.stdout.write(
                f"{provider.slug}\t{provider.name}\t{provider.audience}\t{provider.entity_id}\t"
                f"{provider.match_attribute}\tlevel {provider.level}\t{state}\t"
                f"certificate until {expiry.date() if expiry else '-'}"
            )

    def _add_sp(self, options: dict[str, Any]) -> None:
        service = register_saml_service(
            actor=None,
            name=options["name"],
            metadata_xml=_read(options["metadata"]),
            attributes=[a for a in options["attributes"].split(",") if a.strip()],
            attribute_profile=options["profile"],
            subject_kind=SUBJECTS[options["subject"]],
            min_level=_level(options["min_level"]),
            approve=True,
        )
        self.stdout.write(f"{service.name} ({service.entity_id}) registered, approved.")

    def _list_sps(self) -> None:
        for service in Service.objects.filter(protocol=Protocol.SAML).order_by("name"):
            approved = "approved" if service.is_approved else "NOT approved"
            self.stdout.write(
                f"{service.name}\t{service.entity_id}\t{service.attribute_profile or '-'}\t"
                f"{approved}\t{','.join(service.attributes) or '-'}"
            )

    def _replace_idp(self, options: dict[str, Any]) -> None:
        provider = IdentityProvider.objects.filter(slug=options["slug"]).first()
        if provider is None:
            raise CommandError(f"No identity provider {options['slug']!r}.")
        replace_provider_metadata(
            actor=None, provider=provider, metadata_xml=_read(options["metadata"])
        )
        self.stdout.write(f"{provider.name}: metadata replaced.")

    def _replace_sp(self, options: dict[str, Any]) -> None:
        service = Service.objects.filter(protocol=Protocol.SAML, name=options["name"]).first()
        if service is None:
            raise CommandError(f"No SAML service named {options['name']!r}.")
        replace_service_metadata(
            actor=None, service=service, metadata_xml=_read(options["metadata"])
        )
        self.stdout.write(f"{service.name}: metadata replaced.")
