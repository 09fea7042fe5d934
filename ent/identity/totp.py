"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), the level-2 means of the ENT.

SOC-SEC-IAU-11: a password alone is level 1; a password and a code from a generator the person
confirmed is level 2. Secrets are stored encrypted (Fernet, key derived from SECRET_KEY and its
fallbacks, so that rotating SECRET_KEY keeps generators working while the old key is a fallback).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

from ent.directory.models import Membership

from .models import TotpDevice
from .session import LEVEL_STRONG

if TYPE_CHECKING:
    from ent.directory.models import User

DIGITS = 6
STEP_SECONDS = 30
# Codes of the previous and next time step are accepted too: phones' clocks drift.
TOLERANCE_STEPS = 1
SECRET_BYTES = 20
_KEY_SALT = "ent.identity.totp"
# What a person must do after their password (`second_step`).
CODE = "code"
ENROL = "enrol"


def hotp(secret: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """Return the HOTP value of `counter` (RFC 4226 §5.3: dynamic truncation)."""
    mac = hmac.new(secret, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(at: float) -> int:
    """Return the RFC 6238 time step T of the POSIX time `at` (T0 = 0, X = 30 s)."""
    return int(at // STEP_SECONDS)


def totp(secret: bytes, at: float, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """Return the code a generator shows at the POSIX time `at`."""
    return hotp(secret, time_step(at), digits=digits, digest=digest)


def matching_step(secret: bytes, code: str, at: float) -> int | None:
    """Return the time step, within the tolerance around `at`, whose code is `code`."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(at)
    found = None
    for step in range(now - TOLERANCE_STEPS, now + TOLERANCE_STEPS + 1):
        # Every candidate is compared, in constant time, so timing says nothing of which matched.
        if hmac.compare_digest(hotp(secret, step), code):
            found = step
    return found


def new_secret() -> bytes:
    """Return a fresh random shared secret (160 bits, the size RFC 4226 recommends)."""
    return secrets.token_bytes(SECRET_BYTES)


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(_KEY_SALT, "fernet", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def encrypt_secret(secret: bytes) -> str:
    """Return `secret` encrypted for storage."""
    return _fernet().encrypt(secret).decode("ascii")


class UnreadableSecretError(Exception):
    """A stored secret cannot be decrypted (SECRET_KEY changed without a fallback)."""


def decrypt_secret(token: str) -> bytes:
    """Return the shared secret stored as `token`."""
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise UnreadableSecretError from None


def base32(secret: bytes) -> str:
    """Return the secret as authenticator apps expect it typed (RFC 4648 base32, no padding)."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def grouped(secret: bytes) -> str:
    """Return the base32 secret in groups of four characters, easier to type by hand."""
    text = base32(secret)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(secret: bytes, *, account: str, issuer: str) -> str:
    """Return the otpauth:// URI that authenticator apps read from the QR code."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {
            "secret": base32(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str, *, title: str) -> str:
    """Return an inline SVG QR code of `uri`, with `title` as its text alternative."""
    code = segno.make(uri, error="m", micro=False)
    svg: str = code.svg_inline(scale=5, border=2, title=title, dark="#000", light="#fff")
    return svg.replace("<svg ", '<svg role="img" ', 1)


def issuer() -> str:
    """Return the name authenticator apps show for the ENT's codes."""
    return f"{settings.ENT_PROJECT_NAME} {settings.ENT_ACADEMY}".strip()


def requires_totp(person: User) -> bool:
    """Say whether `person` must give a one-time code after their password (operators and the
    profiles of ENT_TOTP_REQUIRED_PROFILES, heads of school by default)."""
    if person.is_staff and settings.ENT_TOTP_REQUIRED_FOR_OPERATORS:
        return True
    profiles = list(settings.ENT_TOTP_REQUIRED_PROFILES)
    current = Membership.objects.current().filter(person=person, profile__in=profiles)
    return bool(profiles) and current.exists()


def has_generator(person: User) -> bool:
    """Say whether `person` has a confirmed one-time-code generator."""
    return TotpDevice.objects.filter(person=person, confirmed_at__isnull=False).exists()


def second_step(person: User, *, wanted_level: int) -> str:
    """Return what `person` must do after their password: give a code (CODE), enrol a
    generator first (ENROL), or nothing ("")."""
    enrolled = has_generator(person)
    if requires_totp(person):
        return CODE if enrolled else ENROL
    return CODE if wanted_level >= LEVEL_STRONG and enrolled else ""
