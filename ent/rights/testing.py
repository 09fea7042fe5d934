"""Test helpers: find views that are neither public nor gated by a service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Yield (route, pattern) for every view of a URLconf, included ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _service_modules() -> tuple[str, ...]:
    """Return the packages of the apps that declare at least one service."""
    return tuple(
        config.name + "."
        for config in apps.get_app_configs()
        if getattr(config, "services", ()) and config.name.startswith("ent.")
    )


def ungated_views(urlconf: str | None = None, *, modules: tuple[str, ...] = ()) -> list[str]:
    """Return the routes of service apps' views that are neither public, gated nor exempt.

    A view of an app that declares a service must carry `login_not_required` (public),
    `service_required(code)` (gated) or `service_exempt` (signed-in, no service).
    """
    owners = modules or _service_modules()
    found = []
    for route, pattern in walk(get_resolver(urlconf).url_patterns):
        callback = pattern.callback
        view = getattr(callback, "view_class", None) or callback
        if not getattr(view, "__module__", "").startswith(owners):
            continue
        if getattr(callback, "login_required", True) is False:
            continue
        if getattr(callback, "service_code", None) or getattr(callback, "service_exempt", False):
            continue
        found.append(route)
    return found
