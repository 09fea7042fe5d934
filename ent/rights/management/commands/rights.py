"""`ent rights services|defaults|grant|revoke|list|check`: grants from the command line."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ent.directory.models import School, SchoolClass, TeachingGroup, User
from ent.rights.actions import grant_service, install_default_grants, revoke_grant
from ent.rights.models import ServiceGrant
from ent.rights.queries import effective_rights
from ent.rights.registry import Level, declared_services

LEVELS = {"read": Level.READ, "use": Level.USE, "manage": Level.MANAGE}


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise CommandError(f"{value!r} is not an ISO date and time.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _school(uai: str | None) -> School | None:
    if not uai:
        return None
    school = School.objects.filter(uai=uai.upper()).first()
    if school is None:
        raise CommandError(f"No school has the UAI {uai}.")
    return school


def _person(login: str) -> User:
    person: User | None = User.objects.filter(login=login).first()
    if person is None:
        raise CommandError(f"No person has the login {login}.")
    return person


class Command(BaseCommand):
    help = "Service grants (habilitations): list, give, revoke, check, install the defaults."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("services", help="list the services the apps declare")
        commands.add_parser("defaults", help="install the default grants the services declare")
        grant = commands.add_parser("grant", help="grant a service")
        grant.add_argument("service")
        who = grant.add_mutually_exclusive_group(required=True)
        who.add_argument("--profile", help="national profile code, e.g. ENS")
        who.add_argument("--function", help="AAF function code")
        who.add_argument("--login", help="one person")
        who.add_argument("--class", dest="school_class", help="class code (needs --school)")
        who.add_argument("--group", help="teaching group code (needs --school)")
        grant.add_argument("--school", help="UAI; without it, the whole project")
        grant.add_argument("--level", choices=sorted(LEVELS), default="use")
        grant.add_argument("--from", dest="starts_at", help="ISO date and time")
        grant.add_argument("--until", dest="ends_at", help="ISO date and time (exclusive)")
        revoke = commands.add_parser("revoke", help="revoke a grant by its number")
        revoke.add_argument("grant_id", type=int)
        listing = commands.add_parser("list", help="list the grants not revoked")
        listing.add_argument("--service")
        listing.add_argument("--school", help="UAI")
        check = commands.add_parser("check", help="may LOGIN use SERVICE now?")
        check.add_argument("login")
        check.add_argument("service")
        check.add_argument("--school", help="UAI")
        check.add_argument("--level", choices=sorted(LEVELS), default="read")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, "_" + options["action"])
        try:
            handler(options)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None

    def _services(self, options: dict[str, Any]) -> None:
        for code, declaration in sorted(declared_services().items()):
            defaults = ", ".join(
                f"{item.profile}:{Level(item.level).name.lower()}" for item in declaration.defaults
            )
            self.stdout.write(f"{code}\t{declaration.label}\t{defaults}")

    def _defaults(self, options: dict[str, Any]) -> None:
        count = install_default_grants(actor=None)
        self.stdout.write(f"{count} default grant(s) installed.")

    def _grant(self, options: dict[str, Any]) -> None:
        school = _school(options["school"])
        division: dict[str, Any] = {}
        if options["school_class"] or options["group"]:
            if school is None:
                raise CommandError("--class and --group need --school.")
            model = SchoolClass if options["school_class"] else TeachingGroup
            code = options["school_class"] or options["group"]
            found = model.objects.filter(school=school, code=code).first()
            if found is None:
                raise CommandError(f"No class or group {code} in {school.uai}.")
            key = "school_class" if options["school_class"] else "teaching_group"
            division[key] = found
        grant = grant_service(
            actor=None,
            service=options["service"],
            level=LEVELS[options["level"]],
            profile=(options["profile"] or "").upper(),
            function=options["function"] or "",
            person=_person(options["login"]) if options["login"] else None,
            school=school,
            starts_at=_moment(options["starts_at"]),
            ends_at=_moment(options["ends_at"]),
            **division,
        )
        self.stdout.write(f"Grant {grant.pk}: {grant}")

    def _revoke(self, options: dict[str, Any]) -> None:
        grant = ServiceGrant.objects.filter(pk=options["grant_id"]).first()
        if grant is None:
            raise CommandError(f"No grant {options['grant_id']}.")
        revoke_grant(actor=None, grant=grant)
        self.stdout.write(f"Grant {grant.pk} revoked.")

    def _list(self, options: dict[str, Any]) -> None:
        grants = (
            ServiceGrant.objects.not_revoked().select_related("school").order_by("service", "pk")
        )
        if options["service"]:
            grants = grants.filter(service=options["service"])
        if options["school"]:
            grants = grants.filter(school=_school(options["school"]))
        for grant in grants:
            scope = grant.school.uai if grant.school else "*"
            state = " (suspended)" if grant.suspended_at else ""
            self.stdout.write(f"{grant.pk}\t{grant}\t{scope}{state}")

    def _check(self, options: dict[str, Any]) -> None:
        rights = effective_rights(_person(options["login"]))
        school = _school(options["school"])
        service = options["service"]
        if rights.has(service, school=school, level=LEVELS[options["level"]]):
            level = Level(rights.level(service, school=school)).name.lower()
            via = ", ".join(sorted(rights.via(service, school=school)))
            self.stdout.write(f"yes: {level} (via {via})")
        else:
            self.stdout.write("no")
            raise SystemExit(1)
