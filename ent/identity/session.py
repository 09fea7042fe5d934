"""The session contract every sign-in path shares (password, card, federation) and every
protocol reads (CAS, SAML, OIDC): who is signed in, since when, and how strongly.

SOC-SEC-IAU-11: authentication levels are ordered integers; a service declares the level it
needs and a weaker session is sent back to `login_url(..., level=n)` to step up (IAU-12).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import timezone

from ent.audit.actions import count_use, record
from ent.directory.models import Membership

from .models import Channel, Method, UserSession

if TYPE_CHECKING:
    from ent.directory.models import User

LEVEL_PASSWORD = 1
LEVEL_STRONG = 2
LEVELS = {LEVEL_PASSWORD: "password", LEVEL_STRONG: "password + one-time code"}

_LEVEL = "ent.auth.level"
_METHOD = "ent.auth.method"
_AT = "ent.auth.at"
_FRESH = "ent.auth.fresh"
_SEEN = "ent.auth.seen"
_CHANNEL = "ent.auth.channel"

# Called with (person, session_key) before a session ends, so that protocols holding sessions
# in other services (CAS, SAML, OIDC) log them out too (SOC-SEC-PII-02). `ent.sso` registers
# itself here: identity sits below sso and may not import it.
SessionEndHook = Callable[["User", str], None]
_session_end_hooks: list[SessionEndHook] = []


def register_session_end_hook(hook: SessionEndHook) -> None:
    """Register `hook` to run whenever a session ends (logout, suspension, idle timeout)."""
    if hook not in _session_end_hooks:
        _session_end_hooks.append(hook)


def client_address(request: HttpRequest) -> str | None:
    """Return the caller's address: the web server's REMOTE_ADDR or, when that is a reverse
    proxy listed in ENT_TRUSTED_PROXIES, the last address before the trusted proxies in
    X-Forwarded-For (the one the proxies themselves saw)."""
    address: str | None = request.META.get("REMOTE_ADDR") or None
    trusted = set(getattr(settings, "ENT_TRUSTED_PROXIES", ()))
    if address not in trusted:
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return address
    return address


def start_session(
    request: HttpRequest,
    person: User,
    *,
    method: str,
    level: int,
    channel: str = Channel.WEB,
) -> UserSession:
    """Sign `person` in on this request, recording how, and return the tracked session."""
    django_login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    now = timezone.now()
    session = request.session
    session[_LEVEL] = level
    session[_METHOD] = method
    session[_AT] = now.isoformat()
    session[_SEEN] = now.timestamp()
    session[_CHANNEL] = channel
    session[_FRESH] = True
    session.save()
    tracked = UserSession.objects.create(
        person=person,
        session_key=session.session_key or "",
        channel=channel,
        method=method,
        level=level,
        address=client_address(request),
        started_at=now,
    )
    record(
        actor=person,
        action="identity.session.start",
        target=person,
        address=client_address(request),
        data={"method": method, "level": level, "channel": channel, "session": tracked.pk},
    )
    # SOC-SUP-ABO usage statistics: connections per school, profile and day, without names.
    count_use(
        service="login",
        profiles=Membership.objects.current()
        .filter(person=person)
        .values_list("school_id", "profile"),
    )
    return tracked


def raise_level(request: HttpRequest, *, method: str, level: int) -> None:
    """Record that the signed-in person proved a stronger means in this session (step-up)."""
    request.session[_LEVEL] = max(level, session_level(request))
    request.session[_METHOD] = method
    request.session[_FRESH] = True
    UserSession.objects.filter(session_key=request.session.session_key).update(
        level=request.session[_LEVEL], method=method
    )
    record(
        actor=request.user,
        action="identity.session.step_up",
        target=request.user if request.user.is_authenticated else None,
        address=client_address(request),
        data={"method": method, "level": level},
    )


def renew_session(request: HttpRequest, *, method: str, level: int) -> None:
    """Record that the signed-in person presented their credentials again (CAS renew), keeping
    the session (and the services' logins tied to it) and never lowering its level."""
    request.session[_LEVEL] = max(level, session_level(request))
    request.session[_METHOD] = method
    request.session[_AT] = timezone.now().isoformat()
    request.session[_FRESH] = True
    UserSession.objects.filter(session_key=request.session.session_key).update(
        level=request.session[_LEVEL], method=method
    )
    record(
        actor=request.user,
        action="identity.session.renew",
        target=request.user if request.user.is_authenticated else None,
        address=client_address(request),
        data={"method": method, "level": request.session[_LEVEL]},
    )


def session_level(request: HttpRequest) -> int:
    """Return the authentication level of the current session (0 when signed out)."""
    if not request.user.is_authenticated:
        return 0
    return int(request.session.get(_LEVEL, 0))


def session_method(request: HttpRequest) -> str:
    """Return how the current session was authenticated ("" when signed out)."""
    return str(request.session.get(_METHOD, "")) if request.user.is_authenticated else ""


def authenticated_at(request: HttpRequest) -> datetime | None:
    """Return when the current session was authenticated."""
    value = request.session.get(_AT)
    return datetime.fromisoformat(value) if value and request.user.is_authenticated else None


def consume_fresh_login(request: HttpRequest) -> bool:
    """Say whether credentials were just presented in this session, once (CAS renew)."""
    return bool(request.session.pop(_FRESH, False))


def session_channel(session: SessionBase | dict[str, Any]) -> str:
    """Return the channel (web or mobile app) a session was opened on."""
    return str(session.get(_CHANNEL, Channel.WEB))


def touch(session: SessionBase, now: float) -> float | None:
    """Mark the session active at `now`; return when it was last active before."""
    previous = session.get(_SEEN)
    session[_SEEN] = now
    return float(previous) if previous is not None else None


def last_seen(session: SessionBase) -> float | None:
    """Return when the session was last marked active (a POSIX timestamp), without touching it."""
    previous = session.get(_SEEN)
    return float(previous) if previous is not None else None


def login_url(next_url: str, *, renew: bool = False, level: int = 0) -> str:
    """Return the login page URL that comes back to `next_url`, optionally forcing a new
    authentication (renew) or asking for at least `level`."""
    query: dict[str, str] = {"next": next_url}
    if renew:
        query["renew"] = "1"
    if level > LEVEL_PASSWORD:
        query["level"] = str(level)
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode(query)}"


def _end_tracked(person: User, session_key: str, reason: str) -> None:
    for hook in _session_end_hooks:
        hook(person, session_key)
    UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason
    )


def end_session(request: HttpRequest, *, reason: str = "logout") -> None:
    """Sign the current person out here and in every service holding a session for them."""
    person = request.user
    session_key = request.session.session_key or ""
    if person.is_authenticated:
        with transaction.atomic():
            _end_tracked(person, session_key, reason)
            record(
                actor=person,
                action="identity.session.end",
                target=person,
                address=client_address(request),
                data={"reason": reason},
            )
    django_logout(request)


def end_person_sessions(*, actor: User | None, person: User, reason: str) -> int:
    """End every open session of `person` (suspension, revoked credential); return how many."""
    from django.contrib.sessions.models import Session

    keys = list(
        UserSession.objects.open().filter(person=person).values_list("session_key", flat=True)
    )
    for key in keys:
        _end_tracked(person, key, reason)
    Session.objects.filter(session_key__in=keys).delete()
    if keys:
        record(
            actor=actor,
            action="identity.session.end_all",
            target=person,
            data={"reason": reason, "sessions": len(keys)},
        )
    return len(keys)


__all__ = [
    "LEVELS",
    "LEVEL_PASSWORD",
    "LEVEL_STRONG",
    "Channel",
    "Method",
    "authenticated_at",
    "consume_fresh_login",
    "end_person_sessions",
    "end_session",
    "last_seen",
    "login_url",
    "raise_level",
    "register_session_end_hook",
    "renew_session",
    "session_level",
    "start_session",
]
