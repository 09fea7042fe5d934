from __future__ import annotations

import pytest

from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, guardian_of, person_in

from .factories import class_note, note_to


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """The cast with its classes and people of spec-context §7."""
    return build_world(cast)


@pytest.fixture
def blanc(world):
    """M. Blanc, Tom's father: another pupil's parent."""
    father = person_in(world.cast.school, "TUT", login="m.blanc", first_name="Marc")
    guardian_of(world.tom, father)
    return father


@pytest.fixture
def lea_note(world):
    """Mme Dupont's note in Léa's book: « Léa a oublié son matériel »."""
    return note_to(world.cast.teacher, world.cast.pupil, title="Léa a oublié son matériel")


@pytest.fixture
def outing(world):
    """A note to the whole of 3eA that asks the families to sign."""
    return class_note(world.cast.teacher, world.class_3a)
