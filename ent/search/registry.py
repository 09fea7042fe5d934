"""The sources the search indexes (SOC-POR-MDR-04): each app's `search.py`, and registered ones.

`discover()` runs once, from `SearchConfig.ready`: it imports `<app>.search` for every
installed app and reads its `SOURCES`. A test adds a source with `register` and removes it
with `unregister`, or replaces them all for a while with `only(...)`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules

from ent.core.search import SearchSource

CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
MODULE = "search"

_discovered: dict[str, SearchSource] = {}
_registered: dict[str, SearchSource] = {}
_override: list[dict[str, SearchSource]] = []


def check(source: SearchSource) -> SearchSource:
    """Return `source` when it is well formed; raise ImproperlyConfigured otherwise."""
    if not CODE.match(source.code) or len(source.code) > 60:
        raise ImproperlyConfigured(f"Search source {source.code!r}: use a code like 'app.noun'.")
    if not isinstance(source.model._meta.pk, models.IntegerField | models.AutoField):
        raise ImproperlyConfigured(f"Search source {source.code}: the model needs an integer key.")
    if source.updated_field:
        try:
            field = source.model._meta.get_field(source.updated_field)
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, models.DateTimeField):
            raise ImproperlyConfigured(
                f"Search source {source.code}: {source.updated_field} is not a DateTimeField."
            )
    return source


def discover(module: str = MODULE) -> dict[str, SearchSource]:
    """Import `<app>.<module>` of every installed app and keep the `SOURCES` they declare."""
    autodiscover_modules(module)
    found: dict[str, SearchSource] = {}
    for config in apps.get_app_configs():
        declared = getattr(sys.modules.get(f"{config.name}.{module}"), "SOURCES", ())
        for source in declared:
            if source.code in found:
                raise ImproperlyConfigured(f"Search source {source.code} is declared twice.")
            found[source.code] = check(source)
    if module == MODULE:
        _discovered.clear()
        _discovered.update(found)
    return found


def register(source: SearchSource) -> None:
    """Add a source that no app's `search.py` declares (a test, a connector)."""
    _registered[source.code] = check(source)


def unregister(code: str) -> None:
    """Forget a source added with `register`."""
    _registered.pop(code, None)


@contextmanager
def only(*sources: SearchSource) -> Iterator[None]:
    """Search these sources alone for the duration of the block (tests)."""
    _override.append({source.code: check(source) for source in sources})
    try:
        yield
    finally:
        _override.pop()


def sources() -> dict[str, SearchSource]:
    """Return every active source by code, ordered by code."""
    found = dict(_override[-1]) if _override else {**_discovered, **_registered}
    return dict(sorted(found.items()))


def get_source(code: str) -> SearchSource | None:
    """Return the active source `code`, or None."""
    return sources().get(code)
