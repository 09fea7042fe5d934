from __future__ import annotations

import pytest

from ent.directory.models import Enrolment, TeachingGroup
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """The cast with its classes and people of spec-context §7 (Tom in 5C)."""
    return build_world(cast)


@pytest.fixture
def spanish(world):
    """The teaching group "4B-LV2-Espagnol", with Léa in it."""
    group = TeachingGroup.objects.create(
        school=world.cast.school, code="4B-LV2-Espagnol", label="4B-LV2-Espagnol"
    )
    Enrolment.objects.create(pupil=world.cast.pupil, teaching_group=group)
    return group


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read the interface's English wording (browsers still ask for French)."""
