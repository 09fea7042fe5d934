"""Brute-force throttling (SOC-SEC-DVS-01): how many recent failures, which locks hold, and how
long the next lock lasts. Reads only: `actions.py` writes failures and locks.

Per account: ENT_LOGIN_MAX_FAILURES failures within ENT_LOGIN_WINDOW_MINUTES lock the login typed
for ENT_LOCKOUT_MINUTES, doubled for each lock of the same key in the last 24 hours, at most 24
hours. Per address: ENT_LOGIN_MAX_FAILURES_PER_ADDRESS failures in the window lock the address.
An account is keyed by the login typed, whether or not it exists, so a lock says nothing of
which logins exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q

from .models import Lockout, LockScope, LoginFailure, UserSession

MAX_LOCK = timedelta(hours=24)
DOUBLING_PERIOD = timedelta(hours=24)
# Attempts refused because a lock held are traced, but do not count towards the next lock.
LOCKED = "locked"


@dataclass(frozen=True)
class Lock:
    """A lock holding now: on the account or on the address, and until when."""

    scope: str
    until: datetime


def login_key(login: str) -> str:
    """Return the key under which failures of the login typed are counted."""
    return login.strip().lower()[:150]


def current_lock(*, key: str, address: str | None, now: datetime) -> Lock | None:
    """Return the lock holding on this login or this address, the later one if both do."""
    wanted = Q(scope=LockScope.ACCOUNT, key=key)
    if address:
        wanted |= Q(scope=LockScope.ADDRESS, key=address)
    row = (
        Lockout.objects.filter(wanted, until__gt=now, lifted_at__isnull=True)
        .order_by("-until")
        .values("scope", "until")
        .first()
    )
    return Lock(row["scope"], row["until"]) if row else None


def _counted_since(scope: str, key: str, now: datetime, person_id: int | None) -> datetime:
    """Return when counting starts: the window, the last lock or lift, the last sign-in."""
    starts = [now - timedelta(minutes=settings.ENT_LOGIN_WINDOW_MINUTES)]
    last = Lockout.objects.filter(scope=scope, key=key).aggregate(
        locked=Max("locked_at"), lifted=Max("lifted_at")
    )
    starts += [value for value in last.values() if value is not None]
    if person_id is not None:
        # A successful sign-in clears the account's counter.
        signed_in = UserSession.objects.filter(person_id=person_id).aggregate(Max("started_at"))
        if signed_in["started_at__max"] is not None:
            starts.append(signed_in["started_at__max"])
    return max(starts)


def recent_failures(*, scope: str, key: str, now: datetime, person_id: int | None = None) -> int:
    """Return how many failures count towards the next lock of this login or address."""
    since = _counted_since(scope, key, now, person_id)
    failures = LoginFailure.objects.filter(at__gt=since).exclude(reason=LOCKED)
    if scope == LockScope.ACCOUNT:
        return failures.filter(login=key).count()
    return failures.filter(address=key).count()


def threshold(scope: str) -> int:
    """Return how many failures within the window lock an account or an address."""
    if scope == LockScope.ACCOUNT:
        return int(settings.ENT_LOGIN_MAX_FAILURES)
    return int(settings.ENT_LOGIN_MAX_FAILURES_PER_ADDRESS)


def lock_duration(*, scope: str, key: str, now: datetime) -> timedelta:
    """Return how long a new lock of this key lasts: doubled for each lock in the last 24 h."""
    earlier = Lockout.objects.filter(
        scope=scope, key=key, locked_at__gt=now - DOUBLING_PERIOD
    ).count()
    base = timedelta(minutes=settings.ENT_LOCKOUT_MINUTES)
    # Past 2**10 times the base, the cap has long been reached (and the exponent stays small).
    return min(base * (1 << min(earlier, 10)), MAX_LOCK)
