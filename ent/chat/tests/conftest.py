from __future__ import annotations

import pytest
from channels.layers import channel_layers

from ent.chat.actions import open_channel
from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world, pupil_in


@pytest.fixture(autouse=True)
def fresh_layer():
    """A new in-memory channel layer for every test: no event of one test reaches another."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """The cast with its classes and people of spec-context §7."""
    return build_world(cast)


@pytest.fixture
def ines(world):
    """Inès, Léa's classmate in 3eA."""
    return pupil_in(world.class_3a, login="ines.moreau", first_name="Inès", last_name="Moreau")


@pytest.fixture
def channel_3a(world, ines):
    """The channel of 3eA, opened by Mme Dupont, its teacher."""
    return open_channel(actor=world.cast.teacher, school=world.cast.school, division=world.class_3a)
