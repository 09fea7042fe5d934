"""A person's stored files, offered to other services without importing the files app.

The files app (UTI-UTL-ESF) registers a `FileSource` at start-up; mail (UTI-CCO-CEL-07), forums
and blogs let people pick an attachment from it. Service apps never import one another, so this
registry in the kernel is their meeting point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredFile:
    id: int
    name: str
    content_type: str
    size: int
    path: str  # folder path shown in a picker, "" at the root


@dataclass(frozen=True)
class FileSource:
    # The files `person` may attach (their own and those shared with them), newest first.
    list_files: Callable[[Any], Sequence[StoredFile]]
    # The file's description and bytes, or LookupError when `person` may not read it.
    open_file: Callable[[Any, int], tuple[StoredFile, bytes]]


_source: FileSource | None = None


def register(source: FileSource) -> None:
    global _source  # one registry, filled once at start-up
    _source = source


def source() -> FileSource | None:
    """The registered file source, or None when no storage service is installed."""
    return _source
