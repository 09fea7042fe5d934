"""Every change the authentication core makes: sign-in checks, failures and locks, one-time-code
generators, lifted locks. Each is audited (SOC-SEC-APS-03); none ever records a password.

The sign-in checks take no `actor`: nobody is signed in yet. Their audit events name the
person concerned as target, so that one person's chain can be rebuilt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from ent.audit.actions import record
from ent.audit.models import Outcome
from ent.directory.models import User

from .models import Lockout, LockScope, LoginFailure, TotpDevice
from .throttle import LOCKED, Lock, current_lock, lock_duration, login_key, recent_failures
from .throttle import threshold as failure_threshold
from .totp import decrypt_secret, encrypt_secret, matching_step, new_secret

logger = logging.getLogger(__name__)

UNKNOWN_LOGIN = "unknown_login"
BAD_PASSWORD = "bad_password"  # noqa: S105 (a failure reason, not a password)
NO_PASSWORD = "no_password"  # noqa: S105 (a failure reason, not a password)
INACTIVE = "inactive"
SUSPENDED = "suspended"
EXPIRED = "expired"
BAD_CODE = "bad_code"
REUSED_CODE = "reused_code"


@dataclass(frozen=True)
class Verdict:
    """The answer to a sign-in attempt: the person when it succeeded, the lock when one holds."""

    person: User | None = None
    lock: Lock | None = None

    @property
    def ok(self) -> bool:
        return self.person is not None and self.lock is None


def _find_person(login: str) -> User | None:
    typed = login.strip()
    person: User | None = User.objects.filter(login=typed).first()
    if person is None and typed != typed.lower():
        person = User.objects.filter(login=typed.lower()).first()
    return person


def _refusal(person: User | None, password: str) -> str:
    """Return why `person` may not sign in with `password` ("" when they may). The password
    hasher runs exactly once whatever the case, so timing tells nothing either."""
    if person is None:
        User().set_password(password)
        return UNKNOWN_LOGIN
    matches = person.check_password(password)
    if not person.has_usable_password():
        return NO_PASSWORD
    if not matches:
        return BAD_PASSWORD
    if not person.is_active or person.deactivated_at is not None:
        return INACTIVE
    if person.suspended_at is not None:
        return SUSPENDED
    if person.valid_until is not None and person.valid_until <= timezone.now():
        return EXPIRED
    return ""


def check_password_login(*, login: str, password: str, address: str | None) -> Verdict:
    """Check a login and password typed on the sign-in page, counting and locking failures."""
    key = login_key(login)
    now = timezone.now()
    lock = current_lock(key=key, address=address, now=now)
    if lock is not None:
        # SOC-SEC-DVS-01: while locked, the password is not even checked.
        _fail(key=key, person=_find_person(login), address=address, reason=LOCKED, now=now)
        return Verdict(lock=lock)
    # Hashing runs outside any transaction: on SQLite a transaction holds the write lock.
    person = _find_person(login)
    reason = _refusal(person, password)
    if reason:
        return Verdict(lock=_fail(key=key, person=person, address=address, reason=reason, now=now))
    return Verdict(person=person)


def check_code(*, person: User, code: str, address: str | None, confirmed: bool = True) -> Verdict:
    """Check a one-time code from `person`'s generator; a code is never accepted twice."""
    key = login_key(person.login)
    now = timezone.now()
    lock = current_lock(key=key, address=address, now=now)
    if lock is not None:
        _fail(key=key, person=person, address=address, reason=LOCKED, now=now)
        return Verdict(lock=lock)
    device = TotpDevice.objects.filter(person=person, confirmed_at__isnull=not confirmed).first()
    reason = BAD_CODE
    if device is not None:
        step = matching_step(decrypt_secret(device.secret), code, now.timestamp())
        if step is not None:
            # Conditional, so that two requests racing with one code cannot both pass.
            used = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                last_step=step
            )
            reason = "" if used else REUSED_CODE
    if reason:
        return Verdict(lock=_fail(key=key, person=person, address=address, reason=reason, now=now))
    return Verdict(person=person)


@transaction.atomic
def _fail(
    *, key: str, person: User | None, address: str | None, reason: str, now: datetime
) -> Lock | None:
    """Trace a refused attempt and lock the account or the address past the thresholds."""
    LoginFailure.objects.create(login=key, person=person, address=address, reason=reason, at=now)
    record(
        actor=None,
        action="identity.login.fail",
        target=person,
        outcome=Outcome.FAILURE,
        address=address,
        data={"login": key, "reason": reason},
    )
    if reason == LOCKED:
        return None
    lock = None
    person_id = person.pk if person is not None else None
    for scope, scope_key in ((LockScope.ACCOUNT, key), (LockScope.ADDRESS, address)):
        if not scope_key:
            continue
        failures = recent_failures(
            scope=scope,
            key=scope_key,
            now=now,
            person_id=person_id if scope == LockScope.ACCOUNT else None,
        )
        if failures >= failure_threshold(scope):
            lock = _lock(scope=scope, key=scope_key, failures=failures, now=now, address=address)
    return lock


def _lock(*, scope: str, key: str, failures: int, now: datetime, address: str | None) -> Lock:
    until = now + lock_duration(scope=scope, key=key, now=now)
    lockout = Lockout.objects.create(
        scope=scope, key=key, failures=failures, locked_at=now, until=until
    )
    record(
        actor=None,
        action="identity.login.lockout",
        target=lockout,
        outcome=Outcome.FAILURE,
        address=address,
        data={"scope": scope, "key": key, "failures": failures, "until": until.isoformat()},
    )
    logger.warning("Sign-in locked: %s %s after %d failures, until %s", scope, key, failures, until)
    transaction.on_commit(partial(_alert, lockout.pk), robust=True)
    return Lock(scope, until)


def _alert(lockout_id: int) -> None:
    """Tell the security contacts of a new lock (after commit; a mail failure is only logged)."""
    recipients = list(settings.ENT_SECURITY_ALERT_EMAILS)
    lockout = Lockout.objects.filter(pk=lockout_id).first()
    if not recipients or lockout is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "project": f"{settings.ENT_PROJECT_NAME} {settings.ENT_ACADEMY}",
            "scope": lockout.get_scope_display(),
            "key": lockout.key,
            "failures": lockout.failures,
            "until": timezone.localtime(lockout.until).strftime("%Y-%m-%d %H:%M %Z"),
        }
        subject = gettext("[%(project)s] Sign-in locked: %(scope)s %(key)s") % context
        body = (
            gettext(
                "%(failures)d failed sign-in attempts locked the %(scope)s %(key)s until "
                "%(until)s.\nThe failures are listed in the administration (login failures); an "
                "operator may lift the lock there."
            )
            % context
        )
    send_mail(subject, body, None, recipients)
    Lockout.objects.filter(pk=lockout_id).update(alerted_at=timezone.now())


@transaction.atomic
def lift_lockout(*, actor: User | None, lockout: Lockout) -> Lockout:
    """Lift a lock before its end (an operator who checked the failures)."""
    if actor is not None and not actor.has_perm("identity.change_lockout"):
        raise PermissionDenied
    if lockout.lifted_at is None:
        lockout.lifted_at = timezone.now()
        lockout.save(update_fields=["lifted_at"])
        record(
            actor=actor,
            action="identity.lockout.lift",
            target=lockout,
            data={"scope": lockout.scope, "key": lockout.key},
        )
    return lockout


def start_totp_enrolment(*, actor: User) -> TotpDevice:
    """Return `actor`'s generator, creating an unconfirmed one with a new secret if none."""
    device, created = TotpDevice.objects.get_or_create(
        person=actor,
        defaults={"secret": encrypt_secret(new_secret()), "created_at": timezone.now()},
    )
    if created:
        record(actor=actor, action="identity.totp.begin", target=actor)
    return device


def confirm_totp_enrolment(*, actor: User, code: str, address: str | None) -> Verdict:
    """Confirm `actor`'s new generator with a code it shows; from then on it gives level 2."""
    verdict = check_code(person=actor, code=code, address=address, confirmed=False)
    if verdict.ok:
        TotpDevice.objects.filter(person=actor).update(confirmed_at=timezone.now())
        record(actor=actor, action="identity.totp.confirm", target=actor, address=address)
    return verdict


@transaction.atomic
def remove_totp_device(*, actor: User | None, person: User) -> bool:
    """Remove `person`'s generator (phone lost or replaced): they enrol a new one next time."""
    if actor is not None and not actor.has_perm("identity.delete_totpdevice"):
        raise PermissionDenied
    deleted, _rows = TotpDevice.objects.filter(person=person).delete()
    if deleted:
        record(actor=actor, action="identity.totp.remove", target=person)
    return bool(deleted)


def refuse_redirect(*, actor: User | None, url: str, address: str | None) -> None:
    """Trace a redirection refused because it leads off the ENT (open redirect attempt)."""
    record(
        actor=actor,
        action="identity.redirect.refuse",
        outcome=Outcome.FAILURE,
        address=address,
        data={"url": url[:500]},
    )


def refuse_forged_request(
    *, actor: User | None, path: str, reason: str, address: str | None
) -> None:
    """Trace a form post refused by the CSRF protection."""
    record(
        actor=actor,
        action="identity.csrf.refuse",
        outcome=Outcome.FAILURE,
        address=address,
        data={"path": path[:500], "reason": reason[:200]},
    )
