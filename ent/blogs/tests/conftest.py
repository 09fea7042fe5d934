from __future__ import annotations

from dataclasses import dataclass

import pytest

from ent.directory.models import Profile, User
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import World, build_world, guardian_of, person_in, pupil_in


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded images and videos go to a folder of the test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants) -> World:
    return build_world(cast)


@dataclass(frozen=True)
class Spain:
    """Scenario 15: Mme Dupont (the cast's teacher) teaches 4B; Léa and Hugo are in 4B;
    Mme Petit is Léa's mother; Tom is in 5C of the same school."""

    world: World
    teacher: User
    lea: User
    hugo: User
    petit: User
    tom: User
    outsider: User


@pytest.fixture
def spain(world) -> Spain:
    lea = pupil_in(world.class_4b, login="lea.4b", first_name="Léa", last_name="Garnier")
    hugo = pupil_in(world.class_4b, login="hugo.4b", first_name="Hugo", last_name="Bon")
    petit = person_in(world.cast.school, Profile.TUT, login="mme.petit", last_name="Petit")
    guardian_of(lea, petit)
    return Spain(world, world.cast.teacher, lea, hugo, petit, world.tom, world.cast.outsider)


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read the interface's English wording (browsers still ask for French)."""
