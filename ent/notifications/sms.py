"""SMS gateways, chosen by ENT_SMS_BACKEND: "file", "console", "http" or a dotted class path.

SDET UTI-UTL-NOT: SMS gateways are run by telecom operators, so the ENT only hands a message
to one. "file" appends JSON lines to DATA_DIR/sms/outbox.jsonl (the embedded demo's outbox,
like the e-mail file backend); "console" logs the message with the number masked; "http"
posts JSON to ENT_SMS_URL with the bearer token ENT_SMS_TOKEN.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


class SmsError(Exception):
    """The gateway did not take the message; the delivery is kept and tried again."""


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str, reference: str) -> None:
        """Hand one message to the gateway, or raise SmsError."""


def masked(phone: str) -> str:
    """Return a phone number with every digit but the last two hidden."""
    digits = "".join(char for char in phone if char.isdigit())
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def outbox_path() -> Path:
    """Return the file the "file" gateway appends to."""
    return Path(settings.DATA_DIR) / "sms" / "outbox.jsonl"


class FileGateway:
    """Append each message as one JSON line to the data folder's SMS outbox."""

    def send(self, *, phone: str, text: str, reference: str) -> None:
        path = outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "to": phone, "text": text, "reference": reference},
            ensure_ascii=False,
        )
        with path.open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
        path.chmod(0o600)


class ConsoleGateway:
    """Log each message; the number shows its last two digits only."""

    def send(self, *, phone: str, text: str, reference: str) -> None:
        logger.info("SMS %s to %s: %s", reference, masked(phone), text)


class HttpGateway:
    """Post each message as JSON to the operator's gateway (ENT_SMS_URL)."""

    def send(self, *, phone: str, text: str, reference: str) -> None:
        url = settings.ENT_SMS_URL
        if not url:
            raise ImproperlyConfigured("ENT_SMS_BACKEND=http needs ENT_SMS_URL.")
        try:
            response = requests.post(
                url,
                json={"to": phone, "text": text, "reference": reference},
                headers={"Authorization": f"Bearer {settings.ENT_SMS_TOKEN}"},
                timeout=TIMEOUT_SECONDS,
            )
            response.raise_for_status()
        except requests.RequestException as error:
            # The message names the gateway's address and status, never the number or token.
            raise SmsError(f"{type(error).__name__}: {error}"[:250]) from None


BACKENDS: dict[str, type[SmsGateway]] = {
    "file": FileGateway,
    "console": ConsoleGateway,
    "http": HttpGateway,
}


def gateway() -> SmsGateway:
    """Return the configured gateway."""
    name = settings.ENT_SMS_BACKEND
    backend = BACKENDS.get(name)
    if backend is None:
        try:
            backend = import_string(name)
        except ImportError:
            raise ImproperlyConfigured(
                f"ENT_SMS_BACKEND={name!r}: use file, console, http or a dotted class path."
            ) from None
    return backend()
