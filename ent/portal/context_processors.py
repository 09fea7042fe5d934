"""The page frame's data: navigation, schools, presentation aids, logo and channel switch.

Every value is computed on first use and kept for the request, so a page that does not show
the frame pays nothing, and an anonymous visitor's page costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, ngettext

from ent.announcements.models import Announcement
from ent.directory.models import User
from ent.rights.registry import Level

from .channel import MOBILE, WEB, device_channel
from .personalisation import html_classes
from .queries import (
    SchoolContext,
    academy_logo,
    current_channel,
    person_layout,
    person_preference,
    person_rights,
    school_contexts,
    shown_announcements,
    signed_in,
    unread_notifications,
)


@dataclass(frozen=True)
class NavEntry:
    """One link of the main menu."""

    url: str
    label: str
    current: bool = False
    badge: int = 0
    badge_label: str = ""


@dataclass(frozen=True)
class ChannelSwitch:
    """The button that moves between the mobile view and the classic site."""

    channel: str
    label: str


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


class Frame:
    """The frame of one request; each attribute is computed once, when a template reads it."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def person(self) -> User | None:
        return signed_in(self.request)

    @cached_property
    def academy_logo(self) -> str:
        return academy_logo()

    @cached_property
    def channel(self) -> str:
        return current_channel(self.request, self.person)

    @cached_property
    def nav(self) -> list[NavEntry]:
        person = self.person
        if person is None:
            return []
        rights = person_rights(self.request, person)
        entries = [(_url("portal:home"), gettext("Home"), 0, "")]
        if rights.has("addressbook"):
            entries.append((_url("addressbook:index"), gettext("Directory"), 0, ""))
        inbox = _url("notifications:inbox")
        if inbox:
            unread = unread_notifications(self.request, person)
            label = ngettext(
                "%(count)d unread notification", "%(count)d unread notifications", unread
            ) % {"count": unread}
            entries.append((inbox, gettext("Notifications"), unread, label))
        entries.append((_url("support:guide"), gettext("Help"), 0, ""))
        if rights.has("school_admin", level=Level.MANAGE):
            entries.append((_url("backoffice:home"), gettext("Administration"), 0, ""))
        entries.append((_url("portal:preferences"), gettext("Preferences"), 0, ""))
        path = self.request.path
        return [
            NavEntry(url, label, path == url or (url != "/" and path.startswith(url)), n, text)
            for url, label, n, text in entries
            if url
        ]

    @cached_property
    def alerts(self) -> list[Announcement]:
        """UTI-CCO-AIN-01: the alerts shown as a banner on every page (one query)."""
        if self.person is None:
            return []
        return shown_announcements(self.request, self.person).alerts

    @cached_property
    def chat_url(self) -> str:
        """UTI-CCO-MIN-01: the chat widget's link, for those granted the chat (no query)."""
        if self.person is None or not person_rights(self.request, self.person).has("chat"):
            return ""
        return _url("chat:home")

    @cached_property
    def contexts(self) -> list[SchoolContext]:
        return school_contexts(self.request, self.person) if self.person else []

    @cached_property
    def html_classes(self) -> str:
        if self.person is None:
            return ""
        preference = person_preference(self.request, self.person)
        return html_classes(preference, person_layout(self.request, self.person))

    @cached_property
    def help_url(self) -> str:
        match = self.request.resolver_match
        if match is not None and match.view_name:
            url = _url("support:page-help", match.view_name)
            if url:
                return url
        return _url("support:guide")

    @cached_property
    def classic_switch(self) -> ChannelSwitch | None:
        """Offer the classic site on a phone or tablet, and the way back (SOC-POR-GMC-01)."""
        if device_channel(self.request) != MOBILE:
            return None
        if self.channel == MOBILE:
            return ChannelSwitch(WEB, gettext("Classic site"))
        return ChannelSwitch(MOBILE, gettext("Mobile view"))


def portal(request: HttpRequest) -> dict[str, Any]:
    """Expose the page frame's data (navigation, contexts, presentation aids) to templates."""
    frame = request.__dict__.get("_portal_frame")
    if frame is None:
        frame = request.__dict__["_portal_frame"] = Frame(request)
    return {"frame": frame}
