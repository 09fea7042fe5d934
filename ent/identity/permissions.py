"""Who may run account lifecycle operations on whom (SOC-SEC-IAU-13, -14)."""

from __future__ import annotations

from typing import Any

from ent.directory.models import (
    HeadTeacher,
    Membership,
    Profile,
    SchoolClass,
    TeachingAssignment,
    User,
)

# A head of school (DIR) and the school's administrative staff (ETA) manage its accounts.
MANAGER_PROFILES = (Profile.DIR, Profile.ETA)
# Teachers print QR-code cards for the pupils of their classes.
TEACHER_PROFILES = (Profile.ENS, Profile.DOC)
OPERATOR_PERMISSION = "directory.change_user"


def is_operator(actor: Any) -> bool:
    """Say whether `actor` is an operator allowed to change any account."""
    return bool(actor.is_authenticated and actor.is_active and actor.has_perm(OPERATOR_PERMISSION))


def can_manage_account(actor: Any, person: User) -> bool:
    """Say whether `actor` may suspend, reactivate, deactivate, delete `person`'s account or
    renew its credentials: an operator, or the head or administrative staff of a school where
    `person` currently belongs. Operators' own accounts are left to operators."""
    if not (actor.is_authenticated and actor.is_active) or person.purged_at is not None:
        return False
    if is_operator(actor):
        return True
    if person.is_staff or person.is_superuser:
        return False
    schools = (
        Membership.objects.current()
        .filter(person=actor, profile__in=MANAGER_PROFILES)
        .values("school_id")
    )
    return Membership.objects.current().filter(person=person, school_id__in=schools).exists()


def can_manage_some_accounts(actor: Any) -> bool:
    """Say whether `actor` may open the accounts back-office: an operator, or the head or
    administrative staff of a school."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    return is_operator(actor) or (
        Membership.objects.current().filter(person=actor, profile__in=MANAGER_PROFILES).exists()
    )


def can_print_activation_letters(actor: Any, school_class: SchoolClass) -> bool:
    """Say whether `actor` may issue activation codes to the people of `school_class`."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    return is_operator(actor) or (
        Membership.objects.current()
        .filter(person=actor, school_id=school_class.school_id, profile__in=MANAGER_PROFILES)
        .exists()
    )


def can_print_access_cards(actor: Any, school_class: SchoolClass) -> bool:
    """Say whether `actor` may issue QR-code cards to the pupils of `school_class`: whoever
    prints its letters, and the teachers of that class."""
    if can_print_activation_letters(actor, school_class):
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    teaches = (
        TeachingAssignment.objects.filter(teacher=actor, school_class=school_class).exists()
        or HeadTeacher.objects.filter(teacher=actor, school_class=school_class).exists()
    )
    return (
        teaches
        and Membership.objects.current()
        .filter(person=actor, school_id=school_class.school_id, profile__in=TEACHER_PROFILES)
        .exists()
    )
