from __future__ import annotations

import pytest

from ent.rights import registry
from ent.rights.actions import install_default_grants

from .factories import SPACE, SPACE_SERVICE


@pytest.fixture
def space():
    """A work space declared like an app would, so that grants may name it."""
    registry.register(SPACE_SERVICE)
    yield SPACE
    registry.unregister(SPACE)


@pytest.fixture
def defaults(db, space):
    """The services' default grants: without them nobody holds any service."""
    install_default_grants(actor=None)
    return space
