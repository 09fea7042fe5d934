from __future__ import annotations

import pytest

from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, person_in


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """The cast with its classes and people of spec-context §7."""
    return build_world(cast)


@pytest.fixture
def fabre(world):
    """Mme Fabre, the teacher-librarian of Collège X: an authorised author."""
    return person_in(world.cast.school, "DOC", login="claire.fabre", last_name="Fabre")


@pytest.fixture
def authority(world):
    """M. Colin of the département, attached to both collèges (COL)."""
    person = person_in(world.cast.school, "COL", login="marc.colin", last_name="Colin")
    from ent.directory.models import Membership, Source

    Membership.objects.create(
        person=person, school=world.cast.other_school, profile="COL", source=Source.MANUAL
    )
    return person


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read the interface's English wording (browsers still ask for French)."""
