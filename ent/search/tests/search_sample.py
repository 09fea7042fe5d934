"""A module shaped like an app's search.py, for the discovery test."""

from __future__ import annotations

from .factories import CLASSES

SOURCES = (CLASSES,)
