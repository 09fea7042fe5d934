"""Validators for national identifiers (UAI, INE)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The UAI check letter alphabet skips I, O and Q, which read like 1, 0 and O.
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_RE = re.compile(r"^(\d{7})([A-Z])$")


def uai_check_letter(stem: str) -> str:
    """Return the check letter of a UAI's first seven characters."""
    # Corsica has no letter in its UAIs: its departments are numbered 620 and 720 there.
    return UAI_LETTERS[int(stem) % 23]


def uai_problem(value: str) -> str | None:
    """Describe what is wrong with a UAI, or return None when it is valid."""
    match = UAI_RE.match(value)
    if match is None:
        return "not a UAI: seven digits and a letter expected"
    expected = uai_check_letter(match.group(1))
    if match.group(2) != expected:
        return f"check letter {match.group(2)} is wrong, {expected} expected"
    return None


def validate_uai(value: str) -> None:
    """Raise ValidationError unless `value` is a UAI with its right check letter."""
    problem = uai_problem(value)
    if problem is not None:
        raise ValidationError(
            _("%(value)s is not a valid UAI (%(problem)s)."),
            code="invalid_uai",
            params={"value": value, "problem": problem},
        )
