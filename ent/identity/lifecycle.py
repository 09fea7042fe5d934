"""Every change to an account's lifecycle and to its credentials (SOC-SEC-IAU-13, -14).

Identity lifecycle: activation (with a printed code, or by an administrator), suspension,
reactivation, deactivation, deletion. Credential lifecycle: activation codes and QR-code cards
issued, renewed and revoked, passwords set or reset (by e-mail link or by a new letter), and the
revocation of every credential of a person when one is lost or stolen. Each is audited
(SOC-SEC-APS-03).
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ent.audit.actions import Fact, record, record_many
from ent.audit.models import AuditEvent, Outcome
from ent.directory.actions import deactivate_people, purge_person
from ent.directory.models import User

from .actions import _fail as _count_sign_in_failure
from .models import AccessCard, ActivationCode, TotpDevice
from .permissions import can_manage_account, is_operator
from .queries import card_holders, manageable_people
from .session import end_person_sessions
from .throttle import LOCKED, current_lock, login_key

logger = logging.getLogger(__name__)

# Activation codes: 12 characters without the look-alikes 0/O and 1/I (60 bits), printed in
# groups of four.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_GROUP = 4
# One reset e-mail per account at most this often, so the form cannot flood a mailbox.
RESET_MAIL_INTERVAL = timedelta(minutes=5)


class RevocationReason(models.TextChoices):
    LOST = "LOST", _("lost")
    STOLEN = "STOLEN", _("stolen")
    MALFUNCTION = "MALFUNCTION", _("malfunction")
    OTHER = "OTHER", _("other")


class AccountStateError(Exception):
    """The operation does not apply to the account in its present state (API: 409)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ActivationRefusedError(Exception):
    """The activation code is unknown, not this login's, expired, used or revoked."""


class CardRefusedError(Exception):
    """The QR-code card is unknown or revoked, or its holder may not sign in."""


class ResetLinkError(Exception):
    """The password-reset link is unknown, expired or already used."""


def normalise_code(text: str) -> str:
    """Return a typed activation code without separators, in upper case."""
    return "".join(char for char in text.upper() if char.isalnum())


def format_code(code: str) -> str:
    """Return a code as printed: groups of four separated by dashes."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def _digest(kind: str, value: str) -> str:
    # HMAC-SHA256 keyed by SECRET_KEY: the database alone never yields a usable code or card.
    return salted_hmac(f"ent.identity.{kind}", value, algorithm="sha256").hexdigest()


def _check_may_manage(actor: User | None, person: User) -> None:
    if actor is not None and not can_manage_account(actor, person):
        raise PermissionDenied(gettext("You may not manage this account."))


def _check_may_manage_all(actor: User | None, people: list[User]) -> None:
    if actor is None:
        return
    wanted = {person.pk for person in people}
    allowed = set(manageable_people(actor).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise PermissionDenied(gettext("You may not manage some of these accounts."))


def _check_may_sign_in(people: list[User]) -> None:
    if any(not person.is_active or person.purged_at for person in people):
        raise AccountStateError(
            "inactive", gettext("A suspended or deactivated account cannot receive credentials.")
        )


# ---------------------------------------------------------------------------------------------
# Activation codes and first connection


@transaction.atomic
def issue_activation_codes(*, actor: User | None, people: Iterable[User]) -> list[tuple[User, str]]:
    """Issue a fresh one-time activation code to each person, revoking their unused ones;
    return each person with their code, formatted for printing. Only digests are stored."""
    people = list(people)
    _check_may_manage_all(actor, people)
    _check_may_sign_in(people)
    now = timezone.now()
    expires_at = now + timedelta(days=settings.ENT_ACTIVATION_DAYS)
    ActivationCode.objects.filter(person__in=people, used_at=None, revoked_at=None).update(
        revoked_at=now
    )
    issued = [
        (person, "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
        for person in people
    ]
    ActivationCode.objects.bulk_create(
        ActivationCode(
            person=person,
            digest=_digest("activation", code),
            created_at=now,
            expires_at=expires_at,
            created_by=actor,
        )
        for person, code in issued
    )
    record_many(
        actor=actor,
        facts=[
            Fact("identity.activation_code.issue", person, {"expires_at": expires_at.isoformat()})
            for person, _code in issued
        ],
    )
    return [(person, format_code(code)) for person, code in issued]


def _usable_code(login: str, code: str) -> tuple[ActivationCode | None, User | None, str]:
    """Return the activation code typed if it may be used, else who it names and why not."""
    found = (
        ActivationCode.objects.filter(digest=_digest("activation", normalise_code(code)))
        .select_related("person")
        .first()
    )
    if found is None or found.person.login.lower() != login.strip().lower():
        return None, None, "unknown"
    person = found.person
    if found.used_at is not None:
        return None, person, "used"
    if found.revoked_at is not None:
        return None, person, "revoked"
    if found.expires_at <= timezone.now():
        return None, person, "expired"
    if not person.is_active or person.purged_at is not None:
        return None, person, "inactive"
    return found, person, ""


def _refuse_activation(
    actor: User | None, login: str, person: User | None, reason: str, address: str | None
) -> ActivationRefusedError:
    # SOC-SEC-DVS-01: a wrong code counts as a failed sign-in of that login, towards its lock.
    now = timezone.now()
    key = login_key(login)
    # Attempts refused while a lock holds are traced but, as for passwords, do not count.
    counted = LOCKED if reason == LOCKED else f"activation_{reason}"
    _count_sign_in_failure(key=key, person=person, address=address, reason=counted, now=now)
    record(
        actor=actor,
        action="identity.activation.fail",
        target=person,
        outcome=Outcome.FAILURE,
        address=address,
        data={"login": key, "reason": reason},
    )
    return ActivationRefusedError(reason)


def activate_with_code(
    *,
    actor: User | None,
    login: str,
    code: str,
    password: str,
    charter_accepted: bool,
    address: str | None = None,
) -> User:
    """Activate an account with its printed code: the person chooses a password (checked by the
    password policy) and accepts the charter. A refused code is audited and counted as a failed
    sign-in; while the login or the address is locked, no code is even checked."""
    if current_lock(key=login_key(login), address=address, now=timezone.now()) is not None:
        raise _refuse_activation(actor, login, None, LOCKED, address)
    activation, person, reason = _usable_code(login, code)
    if activation is None or person is None:
        raise _refuse_activation(actor, login, person, reason, address)
    if not charter_accepted:
        raise ValidationError(gettext("You must accept the charter to activate your account."))
    validate_password(password, user=person)
    now = timezone.now()
    with transaction.atomic():
        used = ActivationCode.objects.filter(pk=activation.pk, used_at=None, revoked_at=None)
        if not used.update(used_at=now):
            raise ActivationRefusedError("used")
        ActivationCode.objects.filter(person=person, used_at=None, revoked_at=None).update(
            revoked_at=now
        )
        person.set_password(password)
        person.activated_at = person.activated_at or now
        person.charter_accepted_at = now
        person.save(update_fields=["password", "activated_at", "charter_accepted_at"])
        record(
            actor=person,
            action="identity.account.activate",
            target=person,
            address=address,
            data={"by": "activation code", "charter_accepted_at": now.isoformat()},
        )
    return person


@transaction.atomic
def activate_account(*, actor: User | None, person: User) -> User:
    """Mark an account as activated by an administrator (explicit activation, IAU-13)."""
    _check_may_manage(actor, person)
    if person.activated_at is not None:
        raise AccountStateError("already_activated", gettext("This account is already activated."))
    person.activated_at = timezone.now()
    person.save(update_fields=["activated_at"])
    record(
        actor=actor, action="identity.account.activate", target=person, data={"by": "administrator"}
    )
    return person


# ---------------------------------------------------------------------------------------------
# QR-code cards for pupils who cannot read yet


@transaction.atomic
def issue_access_cards(*, actor: User | None, people: Iterable[User]) -> list[tuple[User, str]]:
    """Issue a new QR-code card to each person, revoking their previous cards; return each
    person with the secret token their card carries. Only digests are stored."""
    people = list(people)
    if actor is not None:
        wanted = {person.pk for person in people}
        allowed = set(card_holders(actor).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - allowed:
            raise PermissionDenied(gettext("You may not print cards for some of these pupils."))
    _check_may_sign_in(people)
    now = timezone.now()
    AccessCard.objects.filter(person__in=people, revoked_at=None).update(revoked_at=now)
    issued = [(person, secrets.token_urlsafe(32)) for person in people]
    AccessCard.objects.bulk_create(
        AccessCard(person=person, digest=_digest("card", token), created_at=now, created_by=actor)
        for person, token in issued
    )
    record_many(
        actor=actor, facts=[Fact("identity.card.issue", person) for person, _token in issued]
    )
    return issued


@transaction.atomic
def revoke_access_cards(*, actor: User | None, person: User) -> int:
    """Revoke every QR-code card of `person`; return how many were revoked."""
    if actor is not None and not card_holders(actor).filter(pk=person.pk).exists():
        raise PermissionDenied(gettext("You may not manage this pupil's cards."))
    count = AccessCard.objects.filter(person=person, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    record(actor=actor, action="identity.card.revoke", target=person, data={"cards": count})
    return count


def use_access_card(*, actor: User | None, token: str, address: str | None = None) -> User:
    """Return the pupil whose card carries `token`, recording its use; a refused card is
    audited as a failure. The caller then starts the pupil's session."""
    card = AccessCard.objects.filter(digest=_digest("card", token)).select_related("person").first()
    reason = (
        "unknown"
        if card is None
        else "revoked"
        if card.revoked_at is not None
        else "inactive"
        if not card.person.is_active or card.person.purged_at is not None
        else ""
    )
    if card is None or reason:
        record(
            actor=actor,
            action="identity.card.fail",
            target=card.person if card else None,
            outcome=Outcome.FAILURE,
            address=address,
            data={"reason": reason},
        )
        raise CardRefusedError(reason)
    AccessCard.objects.filter(pk=card.pk).update(last_used_at=timezone.now())
    return card.person


# ---------------------------------------------------------------------------------------------
# Passwords: set, reset by e-mail link, reset by letter; forgotten login


@transaction.atomic
def change_password(*, actor: User | None, person: User, password: str) -> User:
    """Set `person`'s password after the password policy accepted it. Only the platform (an
    operator's command), an operator or the person may; the password is never recorded."""
    if actor is not None and actor.pk != person.pk and not is_operator(actor):
        raise PermissionDenied(gettext("You may not set this person's password."))
    validate_password(password, user=person)
    person.set_password(password)
    person.save(update_fields=["password"])
    if actor is None or actor.pk != person.pk:
        end_person_sessions(actor=actor, person=person, reason="password set")
    record(actor=actor, action="identity.password.set", target=person)
    return person


def _send_after_commit(subject: str, body: str, address: str) -> None:
    def send() -> None:
        try:
            send_mail(subject, body, None, [address])
        except Exception as error:  # a mail server failure must not break the uniform answer
            logger.warning("account e-mail not sent: %s", type(error).__name__)

    transaction.on_commit(send)


def _reset_recently_sent(person: User, now: datetime) -> bool:
    return (
        AuditEvent.objects.about(person._meta.label_lower, person.pk)
        .filter(action="identity.password.reset_request", at__gt=now - RESET_MAIL_INTERVAL)
        .exists()
    )


@transaction.atomic
def request_password_reset(
    *, actor: User | None, identifier: str, site_url: str, address: str | None = None
) -> int:
    """E-mail a password-reset link to the account named by a login or an e-mail address.
    The caller answers the same whatever happens; return how many accounts were sent a link."""
    identifier = identifier.strip()
    if not identifier:
        return 0
    candidates = (
        User.objects.filter(is_active=True, purged_at=None)
        .exclude(email="")
        .filter(Q(login=identifier) | Q(email__iexact=identifier))
        .order_by("login")
    )
    now = timezone.now()
    by_address: dict[str, list[tuple[User, str]]] = defaultdict(list)
    for person in candidates:
        # An account without a password is activated with a letter, not by e-mail.
        if not person.has_usable_password() or _reset_recently_sent(person, now):
            continue
        path = reverse(
            "identity:password-reset",
            kwargs={"uuid": person.uuid, "token": default_token_generator.make_token(person)},
        )
        by_address[person.email].append((person, site_url + path))
        record(
            actor=actor, action="identity.password.reset_request", target=person, address=address
        )
    for email, links in by_address.items():
        context = {
            "links": links,
            "site_url": site_url,
            "minutes": _reset_minutes(),
            "ENT_PROJECT_NAME": settings.ENT_PROJECT_NAME,
        }
        _send_after_commit(
            render_to_string("identity/accounts/email/password_reset_subject.txt", context).strip(),
            render_to_string("identity/accounts/email/password_reset.txt", context),
            email,
        )
    if not by_address:
        record(
            actor=actor,
            action="identity.password.reset_request",
            outcome=Outcome.FAILURE,
            address=address,
            data={"reason": "no account to send a link to"},
        )
    return sum(len(links) for links in by_address.values())


def _reset_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


def reset_password_with_token(
    *, actor: User | None, uuid: UUID, token: str, password: str, address: str | None = None
) -> User:
    """Set a new password through an e-mailed link; the link then stops working and every open
    session of the person ends. A refused link is audited as a failure."""
    person: User | None = User.objects.filter(uuid=uuid, is_active=True, purged_at=None).first()
    if person is None or not default_token_generator.check_token(person, token):
        record(
            actor=actor,
            action="identity.password.reset",
            target=person,
            outcome=Outcome.FAILURE,
            address=address,
            data={"reason": "invalid or expired link"},
        )
        raise ResetLinkError
    validate_password(password, user=person)
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        end_person_sessions(actor=person, person=person, reason="password reset")
        record(actor=person, action="identity.password.reset", target=person, address=address)
    return person


@transaction.atomic
def reset_password_by_letter(*, actor: User | None, person: User) -> str:
    """Reset a password for someone who lost it: the old one stops working, open sessions end
    and a new activation code is issued for a letter; return that code."""
    _check_may_manage(actor, person)
    person.set_unusable_password()
    person.save(update_fields=["password"])
    [(_person, code)] = issue_activation_codes(actor=actor, people=[person])
    end_person_sessions(actor=actor, person=person, reason="password reset")
    record(actor=actor, action="identity.password.reset_by_letter", target=person)
    return code


@transaction.atomic
def request_login_reminder(
    *, actor: User | None, email: str, site_url: str, address: str | None = None
) -> int:
    """E-mail the logins attached to an address to that address; return how many there are.
    The caller answers the same whatever happens."""
    email = email.strip()
    people = (
        list(
            User.objects.filter(is_active=True, purged_at=None, email__iexact=email).order_by(
                "login"
            )
        )
        if email
        else []
    )
    if people:
        context = {
            "people": people,
            "site_url": site_url,
            "ENT_PROJECT_NAME": settings.ENT_PROJECT_NAME,
        }
        _send_after_commit(
            render_to_string("identity/accounts/email/login_reminder_subject.txt", context).strip(),
            render_to_string("identity/accounts/email/login_reminder.txt", context),
            people[0].email,
        )
    record_many(actor=actor, facts=[Fact("identity.login.reminder", person) for person in people])
    if not people:
        record(
            actor=actor,
            action="identity.login.reminder",
            outcome=Outcome.FAILURE,
            address=address,
            data={"reason": "no account with this address"},
        )
    return len(people)


# ---------------------------------------------------------------------------------------------
# Revocation of credentials (IAU-14) and the identity lifecycle (IAU-13)


def _revoke_all(actor: User | None, person: User, reason: str) -> dict[str, int]:
    now = timezone.now()
    person.set_unusable_password()
    person.save(update_fields=["password"])
    return {
        "codes": ActivationCode.objects.filter(person=person, used_at=None, revoked_at=None).update(
            revoked_at=now
        ),
        "cards": AccessCard.objects.filter(person=person, revoked_at=None).update(revoked_at=now),
        "totp": TotpDevice.objects.filter(person=person).delete()[0],
        "sessions": end_person_sessions(actor=actor, person=person, reason=reason),
    }


@transaction.atomic
def revoke_credentials(*, actor: User | None, person: User, reason: str) -> dict[str, int]:
    """Withdraw every credential of a person after a loss, theft or malfunction: the password
    stops working, activation codes and cards are revoked, the one-time code generator is
    deleted and open sessions end. A new letter gives the person access again."""
    _check_may_manage(actor, person)
    if reason not in RevocationReason.values:
        raise ValidationError(gettext("Unknown reason %(reason)s.") % {"reason": reason})
    counts = _revoke_all(actor, person, "credentials revoked")
    record(
        actor=actor,
        action="identity.credentials.revoke",
        target=person,
        data={"reason": reason, **counts},
    )
    return counts


@transaction.atomic
def suspend_account(*, actor: User | None, person: User, reason: str = "") -> User:
    """Suspend an account: sign-in is refused and every open session ends, here and in the
    services that received the identity (single logout)."""
    _check_may_manage(actor, person)
    if person.suspended_at is not None:
        raise AccountStateError("already_suspended", gettext("This account is already suspended."))
    if person.deactivated_at is not None:
        raise AccountStateError("deactivated", gettext("This account is deactivated."))
    person.suspended_at = timezone.now()
    person.is_active = False
    person.save(update_fields=["suspended_at", "is_active"])
    sessions = end_person_sessions(actor=actor, person=person, reason="suspended")
    record(
        actor=actor,
        action="identity.account.suspend",
        target=person,
        data={"reason": reason[:300], "sessions": sessions},
    )
    return person


@transaction.atomic
def reactivate_account(*, actor: User | None, person: User) -> User:
    """Lift a suspension or a deactivation: the person may sign in again."""
    _check_may_manage(actor, person)
    if person.suspended_at is None and person.deactivated_at is None:
        raise AccountStateError(
            "not_suspended", gettext("This account is neither suspended nor deactivated.")
        )
    lifted = {"suspended_at": person.suspended_at, "deactivated_at": person.deactivated_at}
    person.suspended_at = person.deactivated_at = None
    person.is_active = True
    person.save(update_fields=["suspended_at", "deactivated_at", "is_active"])
    record(
        actor=actor,
        action="identity.account.reactivate",
        target=person,
        data={name: value.isoformat() for name, value in lifted.items() if value},
    )
    return person


@transaction.atomic
def deactivate_account(*, actor: User | None, person: User, reason: str = "") -> User:
    """Deactivate an account as the feed does for a departure: sign-in is refused, sessions end,
    and personal data is purged after ENT_PURGE_AFTER_DAYS unless it is reactivated."""
    _check_may_manage(actor, person)
    if person.deactivated_at is not None:
        raise AccountStateError(
            "already_deactivated", gettext("This account is already deactivated.")
        )
    deactivate_people(actor=actor, people=[person], reason=reason or "deactivated by hand")
    sessions = end_person_sessions(actor=actor, person=person, reason="deactivated")
    record(
        actor=actor,
        action="identity.account.deactivate",
        target=person,
        data={"reason": reason[:300], "sessions": sessions},
    )
    return person


@transaction.atomic
def delete_account(*, actor: User | None, person: User) -> User:
    """Delete an account: deactivate it, withdraw its credentials and erase its personal data,
    keeping an anonymous row so that the audit trail and contributions still hold together."""
    _check_may_manage(actor, person)
    login = person.login
    if person.deactivated_at is None:
        deactivate_people(actor=actor, people=[person], reason="deleted")
    _revoke_all(actor, person, "deleted")
    purge_person(actor=actor, person=person)
    record(actor=actor, action="identity.account.delete", target=person, data={"login": login})
    return person
