"""Services and people for the portal core's tests (home, launcher, /me, channels)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ent.directory.models import Profile
from ent.rights import registry
from ent.rights.actions import install_default_grants
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration

# One service per profile, so that each profile's launcher differs, and one for everyone.
HOME_SERVICES = (
    ServiceDeclaration(
        code="home_news",
        label="Actualités (test)",
        url_name="portal:schools",
        defaults=tuple(DefaultGrant(profile, Level.READ) for profile in sorted(registry.PROFILES)),
    ),
    ServiceDeclaration(
        code="home_homework",
        label="Travail à faire (test)",
        url_name="portal:schools",
        defaults=(DefaultGrant(Profile.ELV, Level.USE),),
    ),
    ServiceDeclaration(
        code="home_family",
        label="Suivi des enfants (test)",
        url_name="portal:schools",
        defaults=(DefaultGrant(Profile.TUT, Level.READ),),
    ),
    ServiceDeclaration(
        code="home_gradebook",
        label="Cahier de notes (test)",
        url_name="portal:schools",
        defaults=(DefaultGrant(Profile.ENS, Level.USE),),
    ),
    ServiceDeclaration(
        code="home_staffroom",
        label="Salle des professeurs (test)",
        url_name="portal:schools",
        defaults=(DefaultGrant(Profile.DIR, Level.MANAGE),),
    ),
    # Offered on the classic site only (SOC-POR-GMC-01).
    ServiceDeclaration(
        code="home_desktop_only",
        label="Poste de travail (test)",
        url_name="portal:schools",
        channels=frozenset({"web"}),
        defaults=(DefaultGrant(Profile.ELV, Level.USE),),
    ),
)
ONLY = {
    Profile.ELV: "home_homework",
    Profile.TUT: "home_family",
    Profile.ENS: "home_gradebook",
    Profile.DIR: "home_staffroom",
}


@contextmanager
def home_services() -> Iterator[dict[str, ServiceDeclaration]]:
    """Declare the test services and install their default grants."""
    for declaration in HOME_SERVICES:
        registry.register(declaration)
    install_default_grants(actor=None)
    try:
        yield {declaration.code: declaration for declaration in HOME_SERVICES}
    finally:
        for declaration in HOME_SERVICES:
            registry.unregister(declaration.code)


def extra_service(number: int, *, profile: str = Profile.ELV) -> ServiceDeclaration:
    """Declare one more service held by `profile`, for the query-count tests."""
    declaration = ServiceDeclaration(
        code=f"home_extra_{number}",
        label=f"Service {number} (test)",
        url_name="portal:schools",
        defaults=(DefaultGrant(profile, Level.USE),),
    )
    registry.register(declaration)
    return declaration


@pytest.fixture
def catalogue(db: None) -> Iterator[dict[str, ServiceDeclaration]]:
    """The test services, declared with their default grants installed."""
    with home_services() as declared:
        yield declared


def services_on(page: str) -> list[str]:
    """Return the codes of the launcher entries of a page, in order."""
    return re.findall(r'data-service="([^"]+)"', page)
