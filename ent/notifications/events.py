"""What other apps hand to `notify()`: an `Event`, of a kind declared on their AppConfig.

An app declares the kinds of events it notifies next to its services::

    class LessonLogConfig(AppConfig):
        notification_kinds = (
            NotificationKind("lesson_log.homework", _("New homework"), frozenset({"app"})),
        )

`declared_kinds()` walks the installed AppConfigs, so nothing needs importing by hand; a test
calls `register_kind()` instead. This module imports no model, so that apps.py may import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.core import checks
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The channels a notification may travel on. "app" is the in-app feed; "digest" is the
# periodic e-mail summary of unread notifications (`ent notifications digest`).
APP, EMAIL, DIGEST, SMS, PUSH = "app", "email", "digest", "sms", "push"
CHANNELS: tuple[str, ...] = (APP, EMAIL, DIGEST, SMS, PUSH)
CHANNEL_LABELS: dict[str, str | Promise] = {
    APP: _("In the ENT"),
    EMAIL: _("E-mail"),
    DIGEST: _("Daily e-mail digest"),
    SMS: _("SMS"),
    PUSH: _("Mobile notification"),
}
# A preference for every kind at once.
ANY_KIND = "*"
KIND_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
STAFF = frozenset({"ENS", "DOC", "DIR", "EVS", "ETA", "ACA", "COL"})
PROFILES = STAFF | {"ELV", "TUT", "GST"}


@dataclass(frozen=True)
class NotificationKind:
    """A kind of event, the channels it uses unless the person says otherwise, and who may get
    it by SMS (none by default: an SMS costs money and reaches a personal phone)."""

    code: str
    label: str | Promise
    default_channels: frozenset[str] = frozenset({APP})
    sms_profiles: frozenset[str] = frozenset()
    # Personal data minimisation: e-mails and SMS carry the title and a link, and the body only
    # when the kind says it holds nothing personal.
    body_in_messages: bool = False


@dataclass(frozen=True)
class Event:
    """Something that happened, as the people told about it will read it."""

    kind: str
    title: str
    body: str = ""
    # A path of the ENT ("/cahier/…") or an http(s) address.
    url: str = ""
    school_id: int | None = None


_registered: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> None:
    """Declare a kind that no AppConfig carries (a test, a connector)."""
    _registered[kind.code] = kind


def unregister_kind(code: str) -> None:
    """Forget a kind declared with `register_kind`."""
    _registered.pop(code, None)


def declared_kinds() -> dict[str, NotificationKind]:
    """Return every declared kind by code: AppConfig declarations first, then registered ones."""
    found: dict[str, NotificationKind] = {}
    for config in apps.get_app_configs():
        for kind in getattr(config, "notification_kinds", ()):
            found.setdefault(kind.code, kind)
    for code, kind in _registered.items():
        found.setdefault(code, kind)
    return found


def get_kind(code: str) -> NotificationKind | None:
    """Return one declared kind, or None."""
    return declared_kinds().get(code)


def check_kinds(**kwargs: object) -> list[checks.CheckMessage]:
    """Fail duplicate or malformed kinds, unknown channels and unknown SMS profiles."""
    errors: list[checks.CheckMessage] = []
    seen: set[str] = set()
    for config in apps.get_app_configs():
        for kind in getattr(config, "notification_kinds", ()):
            where = f"{config.name}: notification kind {kind.code!r}"
            if not KIND_CODE.match(kind.code):
                errors.append(checks.Error(f"{where} is not app.event.", id="notifications.E001"))
            if kind.code in seen:
                errors.append(checks.Error(f"{where} is declared twice.", id="notifications.E002"))
            seen.add(kind.code)
            if not kind.default_channels <= set(CHANNELS):
                errors.append(
                    checks.Error(f"{where} names an unknown channel.", id="notifications.E003")
                )
            if not kind.sms_profiles <= PROFILES:
                errors.append(
                    checks.Error(f"{where} names an unknown profile.", id="notifications.E004")
                )
    return errors
