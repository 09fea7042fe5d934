"""Mail addresses of the ENT (UTI-CCO-CEL): every member is `login@ENT_MAIL_DOMAIN`.

A recipient is written as a token: a plain address ("lea.petit@ent.localhost",
"prof@ac-exemple.fr"), a structure list of the directory ("list:class-12-pupils", UTI-CCO-EEC-13)
or one of the sender's personal lists ("plist:7").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings

from ent.directory.lists import StructureList
from ent.directory.models import User

from .models import Alias

LIST_PREFIX = "list:"
PERSONAL_LIST_PREFIX = "plist:"
PERSON, LIST, PERSONAL_LIST, EXTERNAL = "person", "list", "plist", "external"
# Deliberately plain (RFC 5321 "dot-atom"): what a school's mail really uses.
_ADDRESS = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_LOCAL_DOMAIN = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9.-]+$")


@dataclass(frozen=True)
class Token:
    """A recipient as written by a sender, classified."""

    kind: str  # PERSON (an address of the ENT's domain), LIST, PERSONAL_LIST or EXTERNAL
    value: str  # the normalised address, the list key or the personal list's id

    @property
    def text(self) -> str:
        if self.kind == LIST:
            return LIST_PREFIX + self.value
        if self.kind == PERSONAL_LIST:
            return PERSONAL_LIST_PREFIX + self.value
        return self.value


def domain() -> str:
    """The ENT's own mail domain, lower-case."""
    return str(settings.ENT_MAIL_DOMAIN).lower()


def address_of(person: User) -> str:
    """Return `person`'s address: their login at the ENT's domain, lower-case."""
    return f"{person.login.lower()}@{domain()}"


def normalise(address: str) -> str:
    """Return the bare, lower-case address of "Name <a@b>" or "a@b" ("" when there is none)."""
    _name, bare = parseaddr(address.strip())
    return bare.strip().lower()


def is_valid(address: str) -> bool:
    """Tell whether `address` is a plain, well-formed address."""
    if len(address) > 254:
        return False
    if address.endswith("@" + domain()):
        # Logins of the ENT may hold characters a DNS name may not; the domain is ours.
        return bool(_LOCAL_DOMAIN.match(address))
    return bool(_ADDRESS.match(address))


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def is_internal(address: str) -> bool:
    """Tell whether `address` (or a list token) belongs to the ENT."""
    text = address.strip().lower()
    if text.startswith((LIST_PREFIX, PERSONAL_LIST_PREFIX)):
        return True
    return domain_of(normalise(text)) == domain()


def list_address(structure_list: StructureList) -> str:
    """Return the token that addresses a structure list: "list:class-12-pupils"."""
    return LIST_PREFIX + structure_list.key


def parse_token(text: str) -> Token | None:
    """Classify a recipient as written; None when it is neither a list nor a valid address."""
    raw = text.strip()
    lowered = raw.lower()
    if lowered.startswith(LIST_PREFIX):
        key = lowered.removeprefix(LIST_PREFIX).strip()
        return Token(LIST, key) if key else None
    if lowered.startswith(PERSONAL_LIST_PREFIX):
        number = lowered.removeprefix(PERSONAL_LIST_PREFIX).strip()
        return Token(PERSONAL_LIST, number) if number.isdigit() else None
    address = normalise(raw)
    if not address or not is_valid(address):
        return None
    return Token(PERSON if domain_of(address) == domain() else EXTERNAL, address)


def resolve(address: str) -> User | None:
    """Return the active member `address` delivers to (a login of the ENT's domain, or an
    alias), None when nobody has it."""
    bare = normalise(address)
    if not bare:
        return None
    alias = Alias.objects.filter(address=bare, owner__is_active=True).select_related("owner")
    found = alias.first()
    if found is not None:
        return found.owner
    local, _, host = bare.rpartition("@")
    if host != domain() or not local:
        return None
    person: User | None = User.objects.active().filter(login__iexact=local).first()
    return person


def own_addresses(person: User) -> set[str]:
    """The addresses that deliver to `person`: their login address and their aliases."""
    aliases = Alias.objects.filter(owner=person).values_list("address", flat=True)
    return {address_of(person), *(alias.lower() for alias in aliases)}
