"""Idle timeout (SOC-SEC-IAU-05): a session unused for too long is ended, and the next request
asks for the credentials again.

The timeout depends on the channel (web or mobile app) and on the person's current profiles:
ENT_IDLE_TIMEOUTS maps "channel:PROFILE" (or "channel:*") to minutes, ENT_IDLE_TIMEOUT_MINUTES
is the default, and a person with several profiles gets the shortest of their timeouts.

The last activity is written to the session at most once a minute, so that a page and its
requests do not each rewrite it. The activity is therefore known to within a minute: a session
is ended only once it has been idle for the whole timeout, never earlier, and at most a minute
later.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.translation import gettext

from ent.directory.models import Membership, User

from .session import end_session, last_seen, login_url, session_channel, touch

TOUCH_EVERY_SECONDS = 60
_MINUTES = "identity.idle_minutes"

Handler = Callable[[HttpRequest], HttpResponseBase]


def idle_minutes(person: User, channel: str) -> int:
    """Return after how many idle minutes a session of `person` on `channel` ends."""
    rules: dict[str, int] = settings.ENT_IDLE_TIMEOUTS
    channel = channel.lower()
    default = rules.get(f"{channel}:*", int(settings.ENT_IDLE_TIMEOUT_MINUTES))
    current = Membership.objects.current().filter(person=person)
    profiles = set(current.values_list("profile", flat=True))
    return min(
        (rules.get(f"{channel}:{profile}", default) for profile in profiles), default=default
    )


def _passes_through(request: HttpRequest) -> bool:
    """Say whether an ended session goes on anonymously rather than to the login page: the API
    answers 401 itself, and the login page is where the redirection would lead anyway."""
    return request.path.startswith("/api/") or request.path == resolve_url(settings.LOGIN_URL)


def idle_timeout(get_response: Handler) -> Handler:
    """End sessions idle for longer than their timeout; mark the others active."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        person = request.user
        if not isinstance(person, User) or not person.is_authenticated:
            return get_response(request)
        session = request.session
        now = timezone.now().timestamp()
        seen = last_seen(session)
        minutes = session.get(_MINUTES)
        # The activity written may be up to a minute older than the last request: the timeout
        # is stretched by that minute, so that a session never ends early.
        if (
            seen is not None
            and minutes is not None
            and now - seen > minutes * 60 + TOUCH_EVERY_SECONDS
        ):
            next_url = request.get_full_path()
            end_session(request, reason="idle")
            messages.warning(
                request,
                gettext(
                    "You were signed out after %(minutes)d minutes without activity. "
                    "Sign in again to go on."
                )
                % {"minutes": minutes},
            )
            if not _passes_through(request):
                return redirect(login_url(next_url))
        elif seen is None or minutes is None or now - seen >= TOUCH_EVERY_SECONDS:
            touch(session, now)
            session[_MINUTES] = idle_minutes(person, session_channel(session))
        return get_response(request)

    return middleware
