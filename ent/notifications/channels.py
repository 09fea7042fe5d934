"""The rules of the channels: who may be reached on which channel, what each person wants, and
what a message outside the ENT says. Pure functions: the data comes from queries.py."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from django.conf import settings
from django.urls import reverse
from django.utils.text import Truncator

from .events import ANY_KIND, APP, DIGEST, EMAIL, PUSH, SMS, STAFF, NotificationKind

# (school id, profile): the roles a person holds, guardianship included.
Role = tuple[int, str]
# (kind or "*", channel) -> enabled.
Choices = Mapping[tuple[str, str], bool]
# (school id, channel) -> the profiles the school lets the channel reach.
Policies = Mapping[tuple[int, str], frozenset[str]]

# Without a policy of its own, a school lets e-mail and push reach everyone and SMS reach
# guardians and staff only (SDET §11.2.5, scenario 20: pupils never get an SMS). None: everyone.
DEFAULT_PROFILES: dict[str, frozenset[str] | None] = {
    EMAIL: None,
    DIGEST: None,
    SMS: STAFF | {"TUT"},
    PUSH: None,
}
# Channels a school's policy governs; the in-app feed is the ENT itself and always on.
GOVERNED = tuple(DEFAULT_PROFILES)
SMS_MAX_CHARS = 306  # two concatenated GSM-7 messages


def is_allowed(
    channel: str,
    *,
    roles: Collection[Role],
    policies: Policies,
    kind: NotificationKind | None = None,
) -> bool:
    """Tell whether a person holding `roles` may be reached on `channel` (for `kind`, when
    given: SMS also needs the kind to name one of their profiles)."""
    if channel == APP:
        return True
    default = DEFAULT_PROFILES[channel]
    if not roles:
        return default is None and channel != SMS
    for school_id, profile in roles:
        allowed = policies.get((school_id, channel), default)
        if allowed is not None and profile not in allowed:
            continue
        if channel == SMS and kind is not None and profile not in kind.sms_profiles:
            continue
        return True
    return False


def is_wanted(channel: str, *, kind: NotificationKind, choices: Choices) -> bool:
    """Tell whether the person wants `kind` on `channel`: their choice for the kind, else their
    choice for every kind, else the kind's default."""
    for key in ((kind.code, channel), (ANY_KIND, channel)):
        if key in choices:
            return choices[key]
    return channel in kind.default_channels


def roles_in(roles: Iterable[Role], school_id: int | None) -> set[Role]:
    """Keep the roles held in `school_id` (every role when the event names no school)."""
    return {role for role in roles if school_id is None or role[0] == school_id}


def absolute(path: str) -> str:
    """Return an address a person can open from an e-mail or a phone."""
    if path.startswith(("https://", "http://")):
        return path
    base = settings.ENT_BASE_URL
    return base.rstrip("/") + (path or reverse("notifications:inbox"))


def sms_text(*, title: str, body: str, link: str) -> str:
    """Compose an SMS: the title, the body when allowed, and the link, within two messages."""
    room = SMS_MAX_CHARS - len(link) - 1
    text = f"{title}: {body}" if body else title
    return f"{Truncator(' '.join(text.split())).chars(room)} {link}"
