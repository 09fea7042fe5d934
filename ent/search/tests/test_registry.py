"""The indexing interface between the services and the search (SOC-POR-MDR-04)."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from ent.audit.models import UsageCount
from ent.directory.models import User
from ent.search import registry

from .factories import CLASSES, NOTES

pytestmark = pytest.mark.sdet("SOC-POR-MDR-04")


def test_the_search_modules_of_the_apps_are_discovered():
    assert registry.discover("tests.search_sample") == {"test.class": CLASSES}
    # The apps' own search.py modules were read at start-up.
    assert registry.discover() == {
        code: source for code, source in registry.sources().items() if code in registry._discovered
    }


def test_a_source_is_registered_and_unregistered():
    assert "test.note" not in registry.sources()
    registry.register(NOTES)
    try:
        assert registry.get_source("test.note") is NOTES
    finally:
        registry.unregister("test.note")
    assert registry.get_source("test.note") is None


def test_only_replaces_the_sources_for_a_while():
    with registry.only(NOTES):
        assert list(registry.sources()) == ["test.note"]
    assert "test.note" not in registry.sources()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "Notes"}, "code like"),
        ({"code": "test.note.x"}, "code like"),
        ({"model": User, "updated_field": "nope"}, "not a DateTimeField"),
        ({"updated_field": "actor_label"}, "not a DateTimeField"),
    ],
)
def test_a_malformed_source_is_refused(changes, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        registry.register(dataclasses.replace(NOTES, **changes))


def test_a_source_needs_an_integer_key():
    from django.contrib.sessions.models import Session

    with pytest.raises(ImproperlyConfigured, match="integer key"):
        registry.check(dataclasses.replace(NOTES, model=Session, updated_field=""))
    assert registry.check(dataclasses.replace(NOTES, model=UsageCount, updated_field=""))
