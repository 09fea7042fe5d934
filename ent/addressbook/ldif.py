"""LDIF (RFC 2849) output of inetOrgPerson entries (UTI-IDO-CAD-05, UTI-IDO-PBL-07).

A value that is not a SAFE-STRING (non-ASCII, leading space, colon or "<", trailing space,
line breaks) is written base64-encoded after a double colon; lines fold at 76 characters.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence

LINE_CHARS = 76
SAFE_STRING = re.compile(
    r"^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$"
)
OBJECT_CLASSES = ("top", "person", "organizationalPerson", "inetOrgPerson")

Entry = tuple[str, Sequence[tuple[str, str]]]


def attribute_line(name: str, value: str) -> str:
    """Return one folded `name: value` line, base64 when the value is not safe."""
    if SAFE_STRING.match(value) and not value.endswith(" "):
        line = f"{name}: {value}"
    else:
        line = f"{name}:: {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
    parts = [line[:LINE_CHARS]]
    parts += [
        " " + line[i : i + LINE_CHARS - 1] for i in range(LINE_CHARS, len(line), LINE_CHARS - 1)
    ]
    return "\n".join(parts)


def write_entries(entries: Iterable[Entry]) -> str:
    """Return `version: 1` and one block per (dn, attributes) entry, empty values left out."""
    blocks = ["version: 1\n"]
    for dn, attributes in entries:
        lines = [attribute_line("dn", dn)]
        lines += [attribute_line("objectClass", name) for name in OBJECT_CLASSES]
        lines += [attribute_line(name, value) for name, value in attributes if value]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
