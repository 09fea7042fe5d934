"""Password policy after CNIL délibération n° 2022-100 (SOC-SEC-IAU-08), wired into
AUTH_PASSWORD_VALIDATORS beside Django's common-password and similarity validators.

Entropy is estimated as length * log2(size of the character pool actually used): digits 10,
lower-case letters 26, capital letters 26, anything else (symbols, space, accented letters) 33.
The CNIL asks for 80 bits when the password is the only protection and accepts 50 bits when
sign-in is throttled, as it is here (`throttle.py`); ENT_PASSWORD_MIN_BITS sets the minimum.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

POOLS = (
    ("lower", 26, _("lower-case letters")),
    ("upper", 26, _("capital letters")),
    ("digit", 10, _("digits")),
    ("other", 33, _("symbols")),
)
ALL_KINDS = sum(size for _kind, size, _label in POOLS)
LOWER_ONLY = 26
# Parts of a name or login shorter than this are too common to refuse inside a password.
SHORTEST_PART = 4


def _kind(char: str) -> str:
    if char.isascii() and char.isdigit():
        return "digit"
    if char.isascii() and char.islower():
        return "lower"
    if char.isascii() and char.isupper():
        return "upper"
    return "other"


def kinds_used(password: str) -> set[str]:
    """Return the kinds of characters `password` uses."""
    return {_kind(char) for char in password}


def entropy_bits(password: str) -> float:
    """Return the entropy of `password`: length * log2(size of the pool of the kinds it uses)."""
    pool = sum(size for kind, size, _label in POOLS if kind in kinds_used(password))
    return len(password) * math.log2(pool) if pool else 0.0


def length_for(bits: int, pool: int) -> int:
    """Return the shortest length reaching `bits` with characters drawn from `pool`."""
    return math.ceil(bits / math.log2(pool))


class EntropyValidator:
    """Refuse a password below ENT_PASSWORD_MIN_BITS of entropy, saying how far it falls short."""

    def __init__(self, min_bits: int | None = None) -> None:
        self._min_bits = min_bits

    @property
    def min_bits(self) -> int:
        return int(self._min_bits if self._min_bits is not None else settings.ENT_PASSWORD_MIN_BITS)

    def validate(self, password: str, user: Any = None) -> None:
        bits = entropy_bits(password)
        if bits >= self.min_bits:
            return
        used = kinds_used(password)
        pool = sum(size for kind, size, _label in POOLS if kind in used) or LOWER_ONLY
        more = max(1, length_for(self.min_bits, pool) - len(password))
        missing = [str(label) for kind, _size, label in POOLS if kind not in used]
        messages = [
            gettext(
                "This password is too weak: about %(bits)d bits of entropy where %(minimum)d "
                "are needed."
            )
            % {"bits": int(bits), "minimum": self.min_bits},
            ngettext(
                "Add at least %(count)d more character.",
                "Add at least %(count)d more characters.",
                more,
            )
            % {"count": more},
        ]
        if missing:
            messages.append(
                gettext("Using also %(kinds)s makes each character count more.")
                % {"kinds": ", ".join(missing)}
            )
        raise ValidationError(
            " ".join(messages),
            code="password_too_weak",
            params={"bits": int(bits), "minimum": self.min_bits, "more": more},
        )

    def get_help_text(self) -> str:
        return gettext(
            "Your password must be hard to guess: at least %(mixed)d characters mixing lower-case "
            "and capital letters, digits and symbols, or a sentence of at least %(lower)d "
            "lower-case letters."
        ) % {
            "mixed": length_for(self.min_bits, ALL_KINDS),
            "lower": length_for(self.min_bits, LOWER_ONLY),
        }


def _folded(text: str) -> str:
    """Return `text` in lower case without accents, for comparisons."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def _parts(value: str) -> set[str]:
    folded = _folded(value)
    parts = {part for part in re.split(r"[\W_]+", folded) if len(part) >= SHORTEST_PART}
    joined = re.sub(r"[\W_]+", "", folded)
    if len(joined) >= SHORTEST_PART:
        parts.add(joined)
    return parts


class PersonalInformationValidator:
    """Refuse a password that contains the person's login, names or e-mail name.

    Django's UserAttributeSimilarityValidator (also configured) catches passwords that look
    like these; this one catches a login or a name hidden inside a longer password.
    """

    ATTRIBUTES = ("login", "first_name", "last_name", "birth_name")

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        values = [str(getattr(user, name, "") or "") for name in self.ATTRIBUTES]
        email = str(getattr(user, "email", "") or "")
        values.append(email.split("@", 1)[0])
        folded = _folded(password)
        squeezed = re.sub(r"[\W_]+", "", folded)
        for value in values:
            if any(part in folded or part in squeezed for part in _parts(value)):
                raise ValidationError(
                    gettext("This password contains your login or your name: choose another."),
                    code="password_too_personal",
                )

    def get_help_text(self) -> str:
        return gettext("Your password must not contain your login or your name.")
