from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ent.rights.actions import install_default_grants

from .factories import build_family, build_world

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 10 March 2026, 10:00 in Paris: school year 2025-2026.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)


@pytest.fixture
def clock():
    """Freeze the clock on Tuesday 10 March 2026 at 10:00 (Paris); tests move it on purpose."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def grants(db):
    """The services' default grants, as `ent rights install-defaults` installs them."""
    install_default_grants(actor=None)


@pytest.fixture
def world(cast, grants):
    """Spec-context §7: Mme Dupont teaches 3eA and 4eB (HG), heads 3eA, is Martin's mother."""
    return build_world(cast)


@pytest.fixture
def family(world):
    return build_family(world)
