from __future__ import annotations

import pytest

from ent.rights import registry
from ent.rights.actions import install_default_grants

from .factories import LESSON_LOG, LESSON_LOG_SERVICE, build_world


@pytest.fixture
def lesson_log():
    """A service declared like an app would, with its defaults installed."""
    registry.register(LESSON_LOG_SERVICE)
    yield LESSON_LOG
    registry.unregister(LESSON_LOG)


@pytest.fixture
def defaults(db, lesson_log):
    install_default_grants(actor=None)
    return lesson_log


@pytest.fixture
def world(cast, defaults):
    return build_world(cast)
