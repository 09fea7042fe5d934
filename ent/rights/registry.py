"""The catalogue of services: each app declares the service codes it offers and their defaults.

An app declares its services on its AppConfig, next to `sdet`::

    class LessonLogConfig(AppConfig):
        services = (
            ServiceDeclaration(
                code="lesson_log",
                label=_("Lesson log"),
                url_name="lesson_log:home",
                defaults=(DefaultGrant("ENS", Level.USE), DefaultGrant("TUT", Level.READ)),
            ),
        )

`declared_services()` walks the installed AppConfigs, so nothing needs importing by hand; a
component that is not an app (an SSO connector, a test) calls `register()` instead. The
defaults become rows only when `ent rights install-defaults` (the action
`install_default_grants`) runs: from then on they are ordinary grants that an administrator
may suspend or revoke, and a revoked default is never installed again.

This module imports no model, so that apps.py files may import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.apps import apps
from django.core import checks
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
PROFILES = frozenset({"ELV", "TUT", "ENS", "DOC", "DIR", "EVS", "ETA", "ACA", "COL", "GST"})


class Level(models.IntegerChoices):
    """How much of a service a grant gives; each level includes the ones below it."""

    READ = 10, _("read")
    USE = 20, _("use")
    MANAGE = 30, _("manage")


@dataclass(frozen=True)
class DefaultGrant:
    """A grant installed project-wide by `install_default_grants`."""

    profile: str
    level: int = Level.USE


@dataclass(frozen=True)
class ServiceDeclaration:
    """A service of the ENT, as the portal launches it and as grants name it."""

    code: str
    label: str | Promise
    defaults: tuple[DefaultGrant, ...] = ()
    # The launcher entry: a URL name of the app (the portal reverses it).
    url_name: str = ""
    description: str | Promise = ""
    app_label: str = ""
    # SOC-POR-GMC-01: the channels the service is offered on ("web", "mobile").
    channels: frozenset[str] = frozenset({"web", "mobile"})
    # Shown on the launcher: a short name of an icon in the portal's sprite.
    icon: str = ""
    # An external connector opened through the SSO registry: its absolute launch URL.
    url: str = ""


_registered: dict[str, ServiceDeclaration] = {}
# Callables returning declarations kept as data (the SSO registry's approved connectors).
_sources: list[Callable[[], Iterable[ServiceDeclaration]]] = []


def register(declaration: ServiceDeclaration) -> None:
    """Declare a service that no AppConfig carries (a connector, a test)."""
    _registered[declaration.code] = declaration


def unregister(code: str) -> None:
    """Forget a service declared with `register`."""
    _registered.pop(code, None)


def add_source(source: Callable[[], Iterable[ServiceDeclaration]]) -> None:
    """Declare services from data: `source` is called each time the catalogue is read."""
    if source not in _sources:
        _sources.append(source)


def declared_services() -> dict[str, ServiceDeclaration]:
    """Return every declared service by code: AppConfig declarations, registered ones, then
    those of the sources (an app's code always wins over data naming the same code)."""
    found: dict[str, ServiceDeclaration] = {}
    for config in apps.get_app_configs():
        for declaration in getattr(config, "services", ()):
            found.setdefault(declaration.code, replace(declaration, app_label=config.label))
    for code, declaration in _registered.items():
        found.setdefault(code, declaration)
    for source in _sources:
        for declaration in source():
            found.setdefault(declaration.code, declaration)
    return found


def get_service(code: str) -> ServiceDeclaration | None:
    """Return the declaration of one service, or None when no app declares it."""
    return declared_services().get(code)


def check_service_declarations(**kwargs: object) -> list[checks.CheckMessage]:
    """Fail duplicate or malformed service codes and defaults naming unknown profiles."""
    errors: list[checks.CheckMessage] = []
    seen: dict[str, str] = {}
    for config in apps.get_app_configs():
        for declaration in getattr(config, "services", ()):
            if not isinstance(declaration, ServiceDeclaration):
                errors.append(
                    checks.Error(f"{config.name}.services holds {declaration!r}.", id="rights.E001")
                )
                continue
            if not CODE.match(declaration.code):
                errors.append(
                    checks.Error(
                        f"{config.name}: service code {declaration.code!r} is not snake_case.",
                        id="rights.E002",
                    )
                )
            if declaration.code in seen:
                errors.append(
                    checks.Error(
                        f"Service {declaration.code!r} is declared by {seen[declaration.code]} "
                        f"and {config.name}.",
                        id="rights.E003",
                    )
                )
            seen[declaration.code] = config.name
            errors.extend(
                checks.Error(
                    f"{config.name}: default grant of {declaration.code!r} names unknown "
                    f"profile {default.profile!r}.",
                    id="rights.E004",
                )
                for default in declaration.defaults
                if default.profile not in PROFILES or default.level not in Level.values
            )
    return errors
