"""The attributes the ENT can release about a person. A service receives only those its
registry entry lists (SOC-INT-ASE-04); `subject` is the per-service identifier (PII-03)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ent.directory.models import Enrolment, ExternalId, Membership, Source

if TYPE_CHECKING:
    from ent.directory.models import User

Getter = Callable[["User"], list[str]]


def _one(value: object) -> list[str]:
    return [str(value)] if value not in (None, "") else []


def _profiles(person: User) -> list[str]:
    rows = Membership.objects.current().filter(person=person).values_list("profile", flat=True)
    return sorted(set(rows))


def _schools(person: User) -> list[str]:
    rows = Membership.objects.current().filter(person=person).values_list("school__uai", flat=True)
    return sorted(set(rows))


def _classes(person: User) -> list[str]:
    rows = Enrolment.objects.filter(pupil=person, school_class__isnull=False).values_list(
        "school_class__school__uai", "school_class__code"
    )
    return sorted(f"{uai}${code}" for uai, code in rows)


def _joint_key(person: User) -> list[str]:
    return list(
        ExternalId.objects.filter(person=person, source=Source.AAF).values_list("value", flat=True)
    )


# name -> how to read it. Names are stable: they are what services are registered with.
ATTRIBUTES: dict[str, Getter] = {
    "login": lambda p: _one(p.login),
    "uuid": lambda p: _one(p.uuid),
    "first_name": lambda p: _one(p.first_name),
    "last_name": lambda p: _one(p.last_name),
    "display_name": lambda p: _one(p.display_name),
    "email": lambda p: _one(p.email),
    "profiles": _profiles,
    "schools": _schools,
    "classes": _classes,
    "aaf_joint_key": _joint_key,
}


def unknown_attributes(names: list[str]) -> list[str]:
    """Return the names in `names` that the ENT cannot release."""
    return [name for name in names if name not in ATTRIBUTES]
