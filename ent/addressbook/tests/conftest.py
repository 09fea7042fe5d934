from __future__ import annotations

import pytest

from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world


@pytest.fixture
def grants(db):
    """The services' default grants: every profile uses the address book."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    return build_world(cast)
