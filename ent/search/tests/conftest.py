from __future__ import annotations

import pytest
from django.core.cache import cache

from ent.rights import registry as services
from ent.rights.actions import install_default_grants
from ent.search import registry
from ent.search.actions import refresh_index

from .factories import CLASSES, NOTES, NOTES_DECLARATION


@pytest.fixture(autouse=True)
def _no_refresh_scheduled():
    # The throttle of the refresh lives in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sources(db):
    """The test sources alone, their service declared and every default grant installed."""
    services.register(NOTES_DECLARATION)
    install_default_grants(actor=None)
    with registry.only(NOTES, CLASSES):
        yield (NOTES, CLASSES)
    services.unregister(NOTES_DECLARATION.code)


@pytest.fixture
def reindex(sources):
    """Refresh the index of the test sources."""

    def run(**options):
        return refresh_index(actor=None, **options)

    return run
