from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .factories import build_records

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 17 November 2026, 10:00 in Paris: the first trimester of the school year 2026-2027.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=PARIS)


@pytest.fixture
def clock():
    """Freeze the clock on Tuesday 17 November 2026 at 10:00 (Paris)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def records(cast, clock):
    """Spec-context §7 with the service granted in every school."""
    return build_records(cast)
