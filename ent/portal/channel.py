"""The access channel of a request (SOC-POR-GMC-01): "mobile" on phones and tablets, else "web".

The device is read from the User-Agent. A person on a phone may ask for the classic site (and
back): the choice is kept in their session under `CHANNEL_KEY` and wins over the detection.
"""

from __future__ import annotations

import re

from django.http import HttpRequest

WEB = "web"
MOBILE = "mobile"
CHANNELS = (WEB, MOBILE)
CHANNEL_KEY = "portal.channel"

# Phones and tablets announce themselves with one of these words. iPadOS 13+ reports a desktop
# Safari by default: it gets the web channel, which its screen handles well.
_MOBILE_AGENT = re.compile(
    r"Mobi|Android|iPhone|iPad|iPod|Windows Phone|IEMobile|BlackBerry|BB10|Opera Mini|"
    r"Silk/|Kindle|webOS|Tablet|PlayBook",
    re.IGNORECASE,
)


def detected_channel(user_agent: str) -> str:
    """Return the channel a User-Agent belongs to."""
    return MOBILE if _MOBILE_AGENT.search(user_agent or "") else WEB


def device_channel(request: HttpRequest) -> str:
    """Return the channel of the device that sent `request`, whatever the person chose."""
    return detected_channel(request.headers.get("User-Agent", ""))


def request_channel(request: HttpRequest) -> str:
    """Return the channel to render `request` for: the person's choice, else the device's."""
    chosen = request.session.get(CHANNEL_KEY) if hasattr(request, "session") else None
    return chosen if chosen in CHANNELS else device_channel(request)
