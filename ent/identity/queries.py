"""Reads for account lifecycle: whom an actor may see and manage, and an account's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from ent.directory.models import (
    Enrolment,
    ExternalId,
    Guardianship,
    HeadTeacher,
    Membership,
    SchoolClass,
    TeachingAssignment,
    User,
)

from .models import AccessCard, ActivationCode, TotpDevice, UserSession
from .permissions import MANAGER_PROFILES, TEACHER_PROFILES, is_operator


def _signed_in(actor: Any) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def _actor_schools(
    actor: Any, profiles: tuple[str, ...] | None = None
) -> QuerySet[Membership, Any]:
    memberships = Membership.objects.current().filter(person=actor)
    if profiles is not None:
        memberships = memberships.filter(profile__in=profiles)
    return memberships.values("school_id")


def visible_people(actor: Any) -> QuerySet[User]:
    """People `actor` may see: those with a current membership in one of the actor's schools
    (everyone for an operator). Asking about anyone else answers 404."""
    people: QuerySet[User] = User.objects.filter(purged_at=None)
    if not _signed_in(actor):
        return people.none()
    if is_operator(actor):
        return people
    members = Membership.objects.current().filter(school_id__in=_actor_schools(actor))
    return people.filter(Q(pk=actor.pk) | Q(pk__in=members.values("person_id")))


def manageable_people(actor: Any) -> QuerySet[User]:
    """People whose account `actor` may manage: the rule of `can_manage_account`, as a query."""
    people: QuerySet[User] = User.objects.filter(purged_at=None)
    if not _signed_in(actor):
        return people.none()
    if is_operator(actor):
        return people
    members = Membership.objects.current().filter(
        school_id__in=_actor_schools(actor, MANAGER_PROFILES)
    )
    return people.filter(is_staff=False, is_superuser=False, pk__in=members.values("person_id"))


def visible_classes(actor: Any) -> QuerySet[SchoolClass]:
    """Classes of the schools `actor` currently belongs to (all classes for an operator)."""
    if not _signed_in(actor):
        return SchoolClass.objects.none()
    if is_operator(actor):
        return SchoolClass.objects.all()
    return SchoolClass.objects.filter(school_id__in=_actor_schools(actor))


def letter_classes(actor: Any) -> QuerySet[SchoolClass]:
    """Classes whose activation letters `actor` may print."""
    if not _signed_in(actor):
        return SchoolClass.objects.none()
    if is_operator(actor):
        return SchoolClass.objects.all()
    return SchoolClass.objects.filter(school_id__in=_actor_schools(actor, MANAGER_PROFILES))


def card_classes(actor: Any) -> QuerySet[SchoolClass]:
    """Classes whose QR-code cards `actor` may print: those of `letter_classes`, and the
    classes the actor teaches in a school where they are a teacher."""
    if not _signed_in(actor):
        return SchoolClass.objects.none()
    if is_operator(actor):
        return SchoolClass.objects.all()
    taught = Q(pk__in=TeachingAssignment.objects.filter(teacher=actor).values("school_class_id"))
    taught |= Q(pk__in=HeadTeacher.objects.filter(teacher=actor).values("school_class_id"))
    return SchoolClass.objects.filter(
        Q(school_id__in=_actor_schools(actor, MANAGER_PROFILES))
        | (taught & Q(school_id__in=_actor_schools(actor, TEACHER_PROFILES)))
    )


def card_holders(actor: Any) -> QuerySet[User]:
    """People `actor` may issue QR-code cards to: the accounts they manage and the pupils of
    the classes they teach."""
    pupils = Enrolment.objects.filter(school_class__in=card_classes(actor)).values("pupil_id")
    people: QuerySet[User] = User.objects.filter(purged_at=None)
    return people.filter(Q(pk__in=manageable_people(actor).values("pk")) | Q(pk__in=pupils))


def class_pupils(school_class: SchoolClass) -> QuerySet[User]:
    """Active pupils enrolled in `school_class`, in alphabetical order."""
    people: QuerySet[User] = User.objects.filter(is_active=True, purged_at=None)
    return (
        people.filter(enrolments__school_class=school_class)
        .distinct()
        .order_by("last_name", "first_name", "login")
    )


def class_guardians(school_class: SchoolClass) -> QuerySet[User]:
    """Active guardians of the pupils of `school_class`, in alphabetical order."""
    wards = Guardianship.objects.filter(
        pupil__enrolments__school_class=school_class, pupil__is_active=True
    )
    people: QuerySet[User] = User.objects.filter(is_active=True, purged_at=None)
    return people.filter(pk__in=wards.values("guardian_id")).order_by(
        "last_name", "first_name", "login"
    )


def printable_classes(actor: Any) -> QuerySet[SchoolClass]:
    """Classes `actor` may print cards for, each with `may_print_letters`, in school order."""
    letters = letter_classes(actor).filter(pk=OuterRef("pk"))
    return (
        card_classes(actor)
        .select_related("school")
        .annotate(may_print_letters=Exists(letters))
        .order_by("school__name", "code")
    )


def letter_recipients(actor: Any, school_class: SchoolClass, audience: str) -> QuerySet[User]:
    """People of `school_class` (its pupils, or their guardians) who need an activation letter
    because they cannot sign in with a password, among those `actor` manages."""
    people = (
        class_guardians(school_class) if audience == "guardians" else class_pupils(school_class)
    )
    return without_password(people).filter(pk__in=manageable_people(actor).values("pk"))


def card_recipients(actor: Any, school_class: SchoolClass) -> QuerySet[User]:
    """Pupils of `school_class` whose QR-code cards `actor` may print."""
    return class_pupils(school_class).filter(pk__in=card_holders(actor).values("pk"))


def person_for_reset_link(uuid: Any, token: str) -> User | None:
    """Return the person an e-mailed password-reset link is for, or None if it does not work."""
    person: User | None = User.objects.filter(uuid=uuid, is_active=True, purged_at=None).first()
    if person is None or not default_token_generator.check_token(person, token):
        return None
    return person


def without_password(people: QuerySet[User]) -> QuerySet[User]:
    """Keep the people who cannot sign in with a password: never activated, reset by an
    administrator or whose credentials were revoked."""
    return people.filter(Q(password="") | Q(password__startswith=UNUSABLE_PASSWORD_PREFIX))


def account_list(
    actor: Any, *, school_class: SchoolClass | None = None, search: str = ""
) -> QuerySet[User]:
    """Return the accounts `actor` manages for the back-office list, with their classes and
    their last sign-in (`last_sign_in_at`), filtered by class and by name or login."""
    people = manageable_people(actor)
    if school_class is not None:
        people = people.filter(enrolments__school_class=school_class)
    for word in search.split():
        people = people.filter(
            Q(login__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
    last = (
        UserSession.objects.filter(person=OuterRef("pk"))
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    classes = Enrolment.objects.filter(school_class__isnull=False).select_related("school_class")
    return (
        people.annotate(last_sign_in_at=Subquery(last))
        .prefetch_related(Prefetch("enrolments", queryset=classes, to_attr="class_enrolments"))
        .order_by("last_name", "first_name", "login")
    )


def person_placement(person: User) -> tuple[str, str]:
    """Return the class label and school name printed on a person's letter or card."""
    enrolment = (
        Enrolment.objects.filter(pupil=person, school_class__isnull=False)
        .select_related("school_class__school")
        .order_by("pk")
        .first()
    )
    if enrolment is not None and enrolment.school_class is not None:
        return str(enrolment.school_class), enrolment.school_class.school.name
    membership = (
        Membership.objects.current()
        .filter(person=person)
        .select_related("school")
        .order_by("school__name")
        .first()
    )
    return "", membership.school.name if membership else ""


@dataclass(frozen=True)
class AccountState:
    """What the back-office and the API show of an account."""

    person: User
    has_password: bool
    last_sign_in_at: datetime | None
    open_sessions: int
    pending_codes: int
    active_cards: int
    has_totp: bool
    memberships: list[Membership]
    external_ids: list[ExternalId]

    @property
    def is_suspended(self) -> bool:
        return self.person.suspended_at is not None

    @property
    def is_deactivated(self) -> bool:
        return self.person.deactivated_at is not None

    @property
    def is_activated(self) -> bool:
        return self.person.activated_at is not None


def account_state(person: User) -> AccountState:
    """Return the lifecycle state of `person`'s account and of their credentials."""
    now = timezone.now()
    last = UserSession.objects.filter(person=person).order_by("-started_at").first()
    return AccountState(
        person=person,
        has_password=person.has_usable_password(),
        last_sign_in_at=last.started_at if last else None,
        open_sessions=UserSession.objects.open().filter(person=person).count(),
        pending_codes=ActivationCode.objects.filter(
            person=person, used_at=None, revoked_at=None, expires_at__gt=now
        ).count(),
        active_cards=AccessCard.objects.filter(person=person, revoked_at=None).count(),
        has_totp=TotpDevice.objects.filter(person=person).exists(),
        memberships=list(
            Membership.objects.current()
            .filter(person=person)
            .select_related("school")
            .order_by("school__name", "profile")
        ),
        external_ids=list(person.external_ids.order_by("source", "value")),
    )


def account_summary(person: User) -> dict[str, Any]:
    """Return an account as the API and `ent users show` describe it: the invariant uuid, the
    identifiers per source (SOC-SEC-IAU-01, -02), memberships and lifecycle dates."""
    state = account_state(person)
    return {
        "uuid": person.uuid,
        "login": person.login,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "is_active": person.is_active,
        "activated_at": person.activated_at,
        "charter_accepted_at": person.charter_accepted_at,
        "suspended_at": person.suspended_at,
        "deactivated_at": person.deactivated_at,
        "has_password": state.has_password,
        "last_sign_in_at": state.last_sign_in_at,
        "open_sessions": state.open_sessions,
        "pending_activation_codes": state.pending_codes,
        "active_cards": state.active_cards,
        "has_totp": state.has_totp,
        "external_ids": [
            {"source": external.source, "value": external.value} for external in state.external_ids
        ],
        "memberships": [
            {
                "profile": membership.profile,
                "school_uai": membership.school.uai,
                "school_name": membership.school.name,
                "starts_on": membership.starts_on,
                "ends_on": membership.ends_on,
            }
            for membership in state.memberships
        ],
    }
