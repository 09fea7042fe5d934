"""The requirements of the national SDET, as listed in requirements.tsv next to this module.

Each row gives the requirement id, its level in the 1st and 2nd degree (E: required,
R: recommended, F: optional, '-': not applicable) and a one-line summary.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

__all__ = ["Requirement", "requirements"]

_COLUMNS = ("id", "level_1d", "level_2d", "summary")


@dataclass(frozen=True)
class Requirement:
    """One SDET requirement with its level per degree."""

    id: str
    level_1d: str
    level_2d: str
    summary: str

    @property
    def service(self) -> str:
        """Return the service code, i.e. the id without its trailing number."""
        return self.id.rsplit("-", 1)[0]

    @property
    def is_mandatory(self) -> bool:
        """Tell whether the requirement is required (E) in either degree."""
        return "E" in (self.level_1d, self.level_2d)


@functools.cache
def requirements() -> dict[str, Requirement]:
    """Load every requirement of requirements.tsv, keyed by id, in file order."""
    text = resources.files(__name__).joinpath("requirements.tsv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = tuple(next(reader))
    if header != _COLUMNS:
        raise ValueError(f"requirements.tsv: unexpected header {header!r}")
    loaded: dict[str, Requirement] = {}
    for line_number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(_COLUMNS):
            raise ValueError(f"requirements.tsv:{line_number}: expected 4 columns, got {len(row)}")
        requirement = Requirement(*row)
        if requirement.id in loaded:
            raise ValueError(f"requirements.tsv:{line_number}: duplicate id {requirement.id}")
        loaded[requirement.id] = requirement
    return loaded
