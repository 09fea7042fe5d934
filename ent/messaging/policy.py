"""Who may exchange mail with whom (UTI-CCO-CEL-05, -06, -12): the checks every way in runs.

The webmail, SMTP submission and the relay's inbound mail all ask these functions, so a
rule is written once. Each returns None when the mail may pass, or the reason shown to the
sender (or answered by SMTP) when it may not.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from ent.directory.lists import get_list, members
from ent.directory.models import Enrolment, Membership, User
from ent.rights.communication import writable_people

from . import addresses
from .addresses import EXTERNAL, LIST, PERSONAL_LIST
from .models import BlockedSender, ExternalPolicy, PersonalList
from .permissions import can_address_list


@dataclass(frozen=True)
class ExternalRights:
    """What the external rules reaching one person say, taken together."""

    internal_only: bool
    allowed: frozenset[str]  # domains and addresses, lower-case

    def permits(self, address: str) -> bool:
        """Tell whether mail with `address` (outside the ENT) may pass."""
        return not self.internal_only or matches(address, self.allowed)


def matches(address: str, allowed: frozenset[str] | set[str] | list[str]) -> bool:
    """Tell whether `address` is one of `allowed` or in one of its domains (or sub-domains)."""
    bare = addresses.normalise(address)
    host = addresses.domain_of(bare)
    for entry in allowed:
        item = entry.strip().lower()
        if "@" in item and not item.startswith("@"):
            if bare == item:
                return True
            continue
        item = item.lstrip("@")
        if item and (host == item or host.endswith("." + item)):
            return True
    return False


def rules_reaching(person: User) -> list[ExternalPolicy]:
    """The external mail rules of `person`'s schools that reach them: by profile, class,
    teaching group or name (three queries)."""
    roles = list(
        Membership.objects.current().filter(person=person).values_list("school_id", "profile")
    )
    enrolments = list(
        Enrolment.objects.filter(pupil=person).values_list("school_class_id", "teaching_group_id")
    )
    classes = {c for c, _g in enrolments if c}
    groups = {g for _c, g in enrolments if g}
    condition = Q(person=person)
    if classes:
        condition |= Q(school_class__in=classes)
    if groups:
        condition |= Q(teaching_group__in=groups)
    for school_id, profile in roles:
        condition |= Q(school_id=school_id, profile=profile)
    return list(ExternalPolicy.objects.filter(condition).order_by("pk"))


def external_rights(person: User) -> ExternalRights:
    """Whether `person` is limited to internal mail, and the exceptions that apply to them."""
    rules = rules_reaching(person)
    allowed = {item.lower() for rule in rules for item in rule.allowed if isinstance(item, str)}
    return ExternalRights(
        internal_only=any(rule.internal_only for rule in rules), allowed=frozenset(allowed)
    )


def forwarding_domains(person: User) -> frozenset[str]:
    """The destinations `person`'s school authorised (the allowed lists of the rules reaching
    them): the only ones CEL-04 forwarding may go to."""
    rules = rules_reaching(person)
    return frozenset(
        item.lower() for rule in rules for item in rule.allowed if isinstance(item, str)
    )


def check_outgoing(sender: User, address: str) -> str | None:
    """Return why `sender` may not write to `address` (an address or a list token), or None."""
    token = addresses.parse_token(address)
    if token is None:
        return _("“%(address)s” is not a valid address.") % {"address": address[:254]}
    if token.kind == LIST:
        structure_list = get_list(token.value)
        if structure_list is None:
            return _("This list does not exist.")
        if not can_address_list(sender, structure_list):
            return _("You may not write to the list “%(list)s”.") % {"list": structure_list.label}
        return None
    if token.kind == PERSONAL_LIST:
        return _check_personal_list(sender, int(token.value))
    if token.kind == EXTERNAL:
        # UTI-CCO-CEL-05 and -06: the rules of the sender's school decide.
        if not external_rights(sender).permits(token.value):
            return _(
                "You may only write to addresses inside the ENT; %(address)s is not among the "
                "addresses your school allows."
            ) % {"address": token.value}
        return None
    recipient = addresses.resolve(token.value)
    if recipient is None:
        return _("Nobody in the ENT has the address %(address)s.") % {"address": token.value}
    if recipient.pk != sender.pk and not writable_people(sender).filter(pk=recipient.pk).exists():
        return _("The communication rules of your school do not let you write to %(name)s.") % {
            "name": recipient.display_name
        }
    return None


def _check_personal_list(sender: User, pk: int) -> str | None:
    personal_list = PersonalList.objects.filter(pk=pk, owner=sender).first()
    if personal_list is None:
        return _("This list does not exist.")
    forbidden = personal_list.members.exclude(pk__in=writable_people(sender).values("pk"))
    names = [person.display_name for person in forbidden.order_by("last_name", "first_name")[:5]]
    if names:
        return _("The communication rules do not let you write to %(names)s.") % {
            "names": ", ".join(names)
        }
    return None


def check_incoming_external(recipient: User, sender_address: str) -> str | None:
    """Return why `recipient` may not receive mail from `sender_address` (outside), or None."""
    if not external_rights(recipient).permits(sender_address):
        return _("This person receives mail from inside the ENT only.")
    if is_blocked(recipient, sender_address):
        return _("This person does not accept mail from this sender.")
    return None


def is_blocked(owner: User, sender_address: str) -> bool:
    """Tell whether `owner` blocked `sender_address` or its domain (UTI-CCO-CEL-12)."""
    blocked = list(BlockedSender.objects.filter(owner=owner).values_list("address", flat=True))
    return bool(blocked) and matches(sender_address, blocked)


def blocked_by(owner_ids: list[int], sender_address: str) -> set[int]:
    """The people among `owner_ids` who blocked `sender_address` (one query)."""
    found: dict[int, list[str]] = {}
    rows = BlockedSender.objects.filter(owner_id__in=owner_ids).values_list("owner_id", "address")
    for owner_id, address in rows:
        found.setdefault(owner_id, []).append(address)
    return {owner for owner, items in found.items() if matches(sender_address, items)}


def list_members(token: str) -> list[User]:
    """The people a list token reaches today, as the directory says now (EEC-13)."""
    parsed = addresses.parse_token(token)
    if parsed is None:
        return []
    if parsed.kind == LIST:
        structure_list = get_list(parsed.value)
        return list(members(structure_list)) if structure_list else []
    if parsed.kind == PERSONAL_LIST:
        personal_list = PersonalList.objects.filter(pk=int(parsed.value)).first()
        if personal_list is None:
            return []
        people = User.objects.active().filter(pk__in=personal_list.members.values("pk"))
        return list(people.order_by("pk"))
    return []
