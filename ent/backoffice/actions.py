"""Every change the school's back-office makes of its own: external accounts and the matrix of
communication rules. Grants, delegations and connectors go through the rights and SSO actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ent.audit.actions import record
from ent.audit.models import Outcome

# The directory's login rule (prénom.nom, then a number on collisions), shared with the feed.
from ent.directory.actions import assign_logins, login_base
from ent.directory.models import Membership, Profile, School, Source, User
from ent.identity.lifecycle import deactivate_account, issue_activation_codes
from ent.identity.session import end_person_sessions
from ent.rights.actions import set_communication_rule

from .permissions import can_manage_external_accounts
from .queries import SEES, WRITES, communication_matrix

# SDET §9.2: an external account is given for a while, a school year at most.
MAX_VALIDITY = timedelta(days=366)


class ExternalAccountRefused(PermissionDenied):
    """The actor is not the head of the school (nor an operator)."""


def end_of_day(day: date) -> datetime:
    """Return the first instant after `day`, in the project's time zone (Europe/Paris)."""
    moment = datetime.combine(day + timedelta(days=1), time.min)
    return timezone.make_aware(moment, timezone.get_default_timezone())


def check_validity_date(day: date | None) -> date:
    """Refuse a validity date that is missing, past or more than a year ahead."""
    today = timezone.localdate()
    if day is None:
        raise ValidationError(gettext("Give the last day of validity."), code="required")
    if day < today:
        raise ValidationError(gettext("The last day of validity is already past."), code="past")
    if day > today + MAX_VALIDITY:
        raise ValidationError(
            gettext("An external account is valid for one year at most."), code="too_far"
        )
    return day


def _check_head(actor: User | None, school: School, action: str, target: User | None) -> None:
    """Refuse anyone but the head of `school` or an operator; audit the refusal."""
    if actor is None or can_manage_external_accounts(actor, school):
        return
    record(
        actor=actor,
        action=action,
        target=target,
        outcome=Outcome.FAILURE,
        data={"school": school.uai, "reason": "not the head of the school"},
    )
    raise ExternalAccountRefused(
        gettext("Only the head of the school sets up external accounts and their validity.")
    )


def create_external_account(
    *,
    actor: User | None,
    school: School,
    first_name: str,
    last_name: str,
    email: str,
    valid_until: date,
    note: str = "",
) -> tuple[User, str]:
    """Create an external account (an internship tutor, a partner) in `school`, valid until the
    end of `valid_until`, and issue its activation code; return the person and the code.

    The person holds the guest profile (GST) there and nothing else: a service reaches them
    only when an administrator grants or shares it. A refusal is audited and survives.
    """
    _check_head(actor, school, "backoffice.external_account.create", None)
    check_validity_date(valid_until)
    first_name, last_name, note = first_name.strip(), last_name.strip(), note.strip()
    if not first_name or not last_name:
        raise ValidationError(gettext("Give a first name and a last name."), code="name")
    base = login_base(first_name, last_name)
    with transaction.atomic():
        [login] = assign_logins([base])
        person = User(
            login=login,
            login_base=base,
            first_name=first_name,
            last_name=last_name,
            email=email.strip(),
            valid_until=end_of_day(valid_until),
        )
        person.set_unusable_password()
        person.save()
        Membership.objects.create(
            person=person,
            school=school,
            profile=Profile.GST,
            source=Source.MANUAL,
            functions=[{"label": note[:200]}] if note else [],
            # The end is exclusive: the membership holds through the last day of validity.
            ends_on=valid_until + timedelta(days=1),
        )
        record(
            actor=actor,
            action="backoffice.external_account.create",
            target=person,
            data={"school": school.uai, "valid_until": valid_until.isoformat(), "note": note[:200]},
        )
        [(_person, code)] = issue_activation_codes(actor=actor, people=[person])
    return person, code


def _set_validity(person: User, school: School, until: datetime, ends_on: date) -> None:
    person.valid_until = until
    person.save(update_fields=["valid_until"])
    Membership.objects.filter(person=person, school=school, profile=Profile.GST).update(
        ends_on=ends_on
    )


# Not @transaction.atomic, like create_external_account: the audit record of a refusal must
# outlive the PermissionDenied that follows it; the writes run in their own transaction.
def change_external_validity(
    *, actor: User | None, school: School, person: User, valid_until: date
) -> User:
    """Extend or shorten an external account's validity (head of school only)."""
    _check_head(actor, school, "backoffice.external_account.validity", person)
    check_validity_date(valid_until)
    with transaction.atomic():
        before = person.valid_until
        _set_validity(person, school, end_of_day(valid_until), valid_until + timedelta(days=1))
        record(
            actor=actor,
            action="backoffice.external_account.validity",
            target=person,
            data={
                "school": school.uai,
                "from": before.isoformat() if before else None,
                "to": valid_until.isoformat(),
            },
        )
    return person


# Not @transaction.atomic: see change_external_validity.
def end_external_account(*, actor: User | None, school: School, person: User) -> User:
    """End an external account now: sign-in is refused and its open sessions end."""
    _check_head(actor, school, "backoffice.external_account.end", person)
    with transaction.atomic():
        _set_validity(person, school, timezone.now(), timezone.localdate())
        sessions = end_person_sessions(actor=actor, person=person, reason="validity ended")
        record(
            actor=actor,
            action="backoffice.external_account.end",
            target=person,
            data={"school": school.uai, "sessions": sessions},
        )
    return person


@transaction.atomic
def deactivate_expired_accounts(*, actor: User | None) -> int:
    """Deactivate the accounts past their validity date; return how many.

    SOC-SUP-ABO-02: an expired account is first deactivated, its sessions ended, and its personal
    data is purged only once the retention period is over (SOC-SUP-ABO-01, directory purge).
    """
    expired = list(
        User.objects.filter(
            valid_until__lte=timezone.now(), deactivated_at=None, purged_at=None
        ).order_by("pk")
    )
    for person in expired:
        deactivate_account(actor=actor, person=person, reason="validity date passed")
    return len(expired)


@transaction.atomic
def set_communication_matrix(
    *, actor: User | None, school: School, values: Mapping[tuple[str, str], str]
) -> int:
    """Set who sees and writes to whom in `school` (UTI-IDO-PBL-03); `values` maps (profile,
    audience) to "none", "see" or "write". Only the cells that change get a rule; return how
    many changed."""
    changed = 0
    for row in communication_matrix(school):
        for cell in row.cells:
            value = values.get((row.profile, cell.audience), cell.value)
            if value == cell.value:
                continue
            set_communication_rule(
                actor=actor,
                school=school,
                viewer_profile=row.profile,
                audience=cell.audience,
                may_see=value in (SEES, WRITES),
                may_write=value == WRITES,
            )
            changed += 1
    return changed
