from __future__ import annotations

import pytest

from ent.rights.actions import install_default_grants
from ent.rights.tests.factories import build_world


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """The cast with its classes and people of spec-context §7."""
    return build_world(cast)


@pytest.fixture
def unscanned(settings):
    """No antivirus configured: the embedded default."""
    settings.ENT_CLAMD_SOCKET = ""
    settings.ENT_CLAMD_ADDRESS = ""


@pytest.fixture(autouse=True)
def _english(english_ui):
    """These tests read the interface's English wording (browsers still ask for French)."""
