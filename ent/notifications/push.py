"""Web Push (RFC 8030, VAPID RFC 8292) towards browsers and the mobile app.

Subscriptions are stored whatever happens, so that the channel starts working the day it is
configured. Sending needs the `pywebpush` library and a VAPID key pair
(ENT_WEBPUSH_VAPID_PRIVATE_KEY, ENT_WEBPUSH_CONTACT); until then the channel is "not
configured": it is not offered in the preferences, and a delivery asked for it is kept as
skipped with the code "not_configured".
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


class PushNotConfiguredError(Exception):
    """Web push cannot be sent from this ENT."""


class PushError(Exception):
    """The push service refused the message; the delivery is kept and tried again."""


def is_configured() -> bool:
    """Tell whether this ENT can send web push messages."""
    has_key = bool(getattr(settings, "ENT_WEBPUSH_VAPID_PRIVATE_KEY", ""))
    return has_key and importlib.util.find_spec("pywebpush") is not None


def send(subscriptions: Iterable[Any], *, payload: dict[str, str]) -> None:
    """Send `payload` to each subscription of one person, or raise."""
    if not is_configured():
        raise PushNotConfiguredError
    webpush = import_string("pywebpush.webpush")
    failure = import_string("pywebpush.WebPushException")
    claims = {"sub": getattr(settings, "ENT_WEBPUSH_CONTACT", "mailto:no-reply@localhost")}
    for subscription in subscriptions:
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=json.dumps(payload),
                vapid_private_key=getattr(settings, "ENT_WEBPUSH_VAPID_PRIVATE_KEY", ""),
                vapid_claims=dict(claims),
                timeout=10,
            )
        except failure as error:
            raise PushError(str(error)[:250]) from None
