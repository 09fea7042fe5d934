"""Reads of the central authorization (SOC-SEC-AUT-01): rights, delegations and shares.

Every service asks here, on every request: nothing is cached at login, so a grant or a
revocation applies on the very next request. Within one request, `rights_of(request)`
computes the person's rights once.

A person's rights are the union of their roles, each role keeping its own scope
(SOC-SEC-AUT-02): a teacher of school X who is the guardian of a pupil of school Y holds
the teacher's grants in X and the guardian's in Y, never the teacher's in Y.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils import timezone

from ent.directory.models import (
    Enrolment,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)

from .models import Delegation, ServiceGrant, Share, ShareRole
from .registry import Level, ServiceDeclaration, declared_services

SchoolRef = School | int | None
EVERYWHERE = None  # the school of a right that holds in every school of the project


@dataclass(frozen=True)
class Role:
    """A profile held in one school: from a membership, or as the guardian of a pupil there."""

    profile: str
    school_id: int
    functions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Right:
    """One service at one level in one school (None: everywhere), and the role that gives it."""

    service: str
    level: int
    school_id: int | None
    via: str


@dataclass(frozen=True)
class Rights:
    """Everything a person may use at one moment, computed in a fixed number of queries."""

    person_id: int
    roles: tuple[Role, ...] = ()
    rights: tuple[Right, ...] = ()

    def has(self, service: str, *, school: SchoolRef = None, level: int = Level.READ) -> bool:
        """Tell whether the person holds `service` at `level` (in `school` when given)."""
        return self.level(service, school=school) >= level

    def level(self, service: str, *, school: SchoolRef = None) -> int:
        """Return the highest level held on `service` (in `school` when given), 0 for none."""
        school_id = _pk(school)
        return max(
            (
                right.level
                for right in self.rights
                if right.service == service
                and (school_id is None or right.school_id in (EVERYWHERE, school_id))
            ),
            default=0,
        )

    def school_ids(self, service: str, *, level: int = Level.READ) -> set[int] | None:
        """Return the schools where `service` is held at `level`; None means every school."""
        found: set[int] = set()
        for right in self.rights:
            if right.service == service and right.level >= level:
                if right.school_id is EVERYWHERE:
                    return None
                found.add(right.school_id)
        return found

    def via(self, service: str, *, school: SchoolRef = None) -> set[str]:
        """Return the roles ("ENS", "TUT", "person", "delegation"…) that give `service`."""
        school_id = _pk(school)
        return {
            right.via
            for right in self.rights
            if right.service == service
            and (school_id is None or right.school_id in (EVERYWHERE, school_id))
        }

    def profiles_in(self, school: SchoolRef) -> set[str]:
        """Return the profiles the person holds in `school` (guardianship included)."""
        school_id = _pk(school)
        return {role.profile for role in self.roles if role.school_id == school_id}


@dataclass(frozen=True)
class ServiceAccess:
    """A service the person may open, for the portal's launcher."""

    declaration: ServiceDeclaration
    level: int
    # None: every school of the project.
    school_ids: frozenset[int] | None = field(default=frozenset())

    @property
    def code(self) -> str:
        return self.declaration.code


def _pk(school: SchoolRef) -> int | None:
    return school.pk if isinstance(school, School) else school


@dataclass
class _People:
    """The directory facts about a set of people that grants are matched against."""

    roles: dict[int, set[Role]] = field(default_factory=lambda: defaultdict(set))
    classes: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    groups: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def _load_people(ids: list[int], at: datetime) -> _People:
    """Load current roles, wards' schools and divisions of `ids` in three queries."""
    day = timezone.localdate(at)
    people = _People()
    memberships = Membership.objects.current(day).filter(person__in=ids, person__is_active=True)
    for person_id, school_id, profile, functions in memberships.values_list(
        "person_id", "school_id", "profile", "functions"
    ):
        codes = frozenset(str(item.get("code", "")) for item in functions or [] if item)
        people.roles[person_id].add(Role(profile, school_id, codes))
    # SDET §9.1: a guardian's role lives in the school of each child with legal authority.
    wards = Membership.objects.current(day).filter(
        profile=Profile.ELV,
        person__is_active=True,
        person__guardianships__guardian__in=ids,
        person__guardianships__guardian__is_active=True,
        person__guardianships__has_legal_authority=True,
    )
    for guardian_id, school_id in wards.values_list(
        "person__guardianships__guardian_id", "school_id"
    ):
        people.roles[guardian_id].add(Role(Profile.TUT, school_id))
    no_group = Value(None, output_field=models.BigIntegerField())
    divisions = (
        Enrolment.objects.filter(pupil__in=ids)
        .values_list("pupil_id", "school_class_id", "teaching_group_id")
        .union(
            TeachingAssignment.objects.filter(teacher__in=ids).values_list(
                "teacher_id", "school_class_id", "teaching_group_id"
            ),
            HeadTeacher.objects.filter(teacher__in=ids)
            .annotate(no_group=no_group)
            .values_list("teacher_id", "school_class_id", "no_group"),
            all=True,
        )
    )
    for person_id, class_id, group_id in divisions:
        if class_id:
            people.classes[person_id].add(class_id)
        if group_id:
            people.groups[person_id].add(group_id)
    return people


def _base_rights(ids: list[int], at: datetime) -> tuple[_People, dict[int, list[Right]]]:
    """Match the grants in force at `at` against the roles of `ids`: four queries."""
    people = _load_people(ids, at)
    profiles = {role.profile for roles in people.roles.values() for role in roles}
    functions = {
        code for roles in people.roles.values() for role in roles for code in role.functions
    }
    class_ids = {pk for pks in people.classes.values() for pk in pks}
    group_ids = {pk for pks in people.groups.values() for pk in pks}
    grants = ServiceGrant.objects.in_force(at).filter(
        Q(person__in=ids)
        | Q(profile__in=profiles)
        | Q(function__in=functions)
        | Q(school_class__in=class_ids)
        | Q(teaching_group__in=group_ids)
    )
    rights: dict[int, list[Right]] = defaultdict(list)
    for row in grants.values(
        "service",
        "level",
        "profile",
        "function",
        "person_id",
        "school_id",
        "school_class_id",
        "school_class__school_id",
        "teaching_group_id",
        "teaching_group__school_id",
    ):
        for person_id in ids:
            rights[person_id].extend(_match(row, person_id, people))
    return people, rights


def _match(row: Mapping[str, Any], person_id: int, people: _People) -> Iterable[Right]:
    """Yield the rights one grant row gives one person, each in its role's school."""
    service, level, scope = row["service"], row["level"], row["school_id"]
    roles = people.roles.get(person_id, set())
    if row["person_id"] is not None:
        if row["person_id"] == person_id:
            yield Right(service, level, scope, "person")
        return
    if row["profile"]:
        for role in roles:
            if role.profile == row["profile"] and scope in (None, role.school_id):
                yield Right(service, level, role.school_id, role.profile)
        return
    if row["function"]:
        for role in roles:
            if row["function"] in role.functions and scope in (None, role.school_id):
                yield Right(service, level, role.school_id, f"function:{row['function']}")
        return
    # A class or group grant needs a current role in the division's school too.
    schools = {role.school_id for role in roles}
    if row["school_class_id"] in people.classes.get(person_id, set()):
        division, school_id = "class", row["school_class__school_id"]
    elif row["teaching_group_id"] in people.groups.get(person_id, set()):
        division, school_id = "group", row["teaching_group__school_id"]
    else:
        return
    if school_id in schools:
        yield Right(service, level, school_id, division)


def _may_act(person: User, moment: datetime) -> bool:
    """Tell whether `person` holds any right at `moment`: signed in, active, not expired."""
    if not person.is_authenticated or not person.is_active:
        return False
    # SDET §9.2: an external account holds nothing past the end date its head set, even in a
    # session opened before it.
    return person.valid_until is None or person.valid_until > moment


def effective_rights(person: User, *, at: datetime | None = None) -> Rights:
    """Compute what `person` may use at `at` (now): 5 queries, 9 when they hold delegations."""
    if at is None:
        memo: Rights | None = getattr(person, "_ent_request_rights", None)
        if memo is not None and memo.person_id == person.pk:
            return memo
    moment = at or timezone.now()
    if not _may_act(person, moment):
        return Rights(person_id=person.pk or 0)
    people, base = _base_rights([person.pk], moment)
    rights = base[person.pk]
    delegations = list(
        Delegation.objects.in_force(moment)
        .filter(delegate=person, delegator__is_active=True)
        .values_list("delegator_id", "school_id", "service", "level")
    )
    if delegations:
        # A delegator lends only what they hold now, by their own roles: never a delegation.
        _, lent = _base_rights(sorted({row[0] for row in delegations}), moment)
        for delegator_id, school_id, service, level in delegations:
            held = Rights(delegator_id, rights=tuple(lent[delegator_id]))
            granted = min(level, held.level(service, school=school_id))
            if granted:
                rights.append(Right(service, granted, school_id, "delegation"))
    return Rights(person.pk, tuple(sorted(people.roles[person.pk], key=repr)), tuple(rights))


def own_rights(person: User, *, at: datetime | None = None) -> Rights:
    """Compute the rights `person` holds by their own roles, delegations left out."""
    moment = at or timezone.now()
    people, base = _base_rights([person.pk], moment)
    return Rights(person.pk, tuple(people.roles[person.pk]), tuple(base[person.pk]))


def rights_of(request: HttpRequest) -> Rights:
    """Return the signed-in person's rights, computed once per request."""
    cached: Rights | None = getattr(request, "_ent_rights", None)
    user = request.user
    if cached is None or cached.person_id != user.pk:
        cached = effective_rights(user) if isinstance(user, User) else Rights(person_id=0)
        request._ent_rights = cached  # type: ignore[attr-defined]  # attr-defined: per-request memo
        # The request's own user object lives for this request only: queries that receive the
        # person rather than the request (search sources, visibility filters) reuse the result.
        user._ent_request_rights = cached  # type: ignore[union-attr]  # union-attr: memo on the request's user
    return cached


def has_service(
    person: User,
    service: str,
    *,
    school: SchoolRef = None,
    at: datetime | None = None,
    level: int = Level.READ,
) -> bool:
    """Tell whether `person` may use `service` at `level` (in `school`, at `at`: now)."""
    return effective_rights(person, at=at).has(service, school=school, level=level)


def service_level(person: User, service: str, *, school: SchoolRef = None) -> int:
    """Return the highest level `person` holds on `service` now (0: none)."""
    return effective_rights(person).level(service, school=school)


def schools_for(
    person: User, service: str, *, level: int = Level.READ, at: datetime | None = None
) -> models.QuerySet[School]:
    """Return the schools where `person` may use `service` at `level`."""
    ids = effective_rights(person, at=at).school_ids(service, level=level)
    schools = School.objects.filter(is_active=True)
    return schools if ids is None else schools.filter(pk__in=ids)


def services_for(
    person: User | Rights, school: SchoolRef = None, *, at: datetime | None = None
) -> list[ServiceAccess]:
    """Return the declared services `person` may open (in `school`), ordered by label."""
    rights = person if isinstance(person, Rights) else effective_rights(person, at=at)
    school_id = _pk(school)
    access: dict[str, ServiceAccess] = {}
    for code, declaration in declared_services().items():
        held = [
            right
            for right in rights.rights
            if right.service == code
            and (school_id is None or right.school_id in (EVERYWHERE, school_id))
        ]
        if not held:
            continue
        schools = {right.school_id for right in held}
        access[code] = ServiceAccess(
            declaration=declaration,
            level=max(right.level for right in held),
            school_ids=None if EVERYWHERE in schools else frozenset(s for s in schools if s),
        )
    return sorted(access.values(), key=lambda item: str(item.declaration.label))


def delegations_given(person: User) -> models.QuerySet[Delegation]:
    """Return the delegations `person` gave that are not revoked, newest first."""
    return Delegation.objects.filter(delegator=person, revoked_at=None).order_by("-starts_at")


# Sharing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileInSchool:
    """Everyone holding `profile` in `school`, as a share's grantee."""

    profile: str
    school: School


Grantee = User | SchoolClass | TeachingGroup | ProfileInSchool


def grantee_key(grantee: Grantee) -> str:
    """Return the unique key of a share's grantee."""
    if isinstance(grantee, User):
        return f"person:{grantee.pk}"
    if isinstance(grantee, SchoolClass):
        return f"class:{grantee.pk}"
    if isinstance(grantee, TeachingGroup):
        return f"group:{grantee.pk}"
    return f"profile:{grantee.profile}@{grantee.school.pk}"


def _shared_with_q(person: User) -> Q:
    """Shares in force whose grantee includes `person`, as subqueries of one statement."""
    classes = Q(school_class__in=Enrolment.objects.filter(pupil=person).values("school_class")) | Q(
        school_class__in=TeachingAssignment.objects.filter(teacher=person).values("school_class")
    )
    groups = Q(
        teaching_group__in=Enrolment.objects.filter(pupil=person).values("teaching_group")
    ) | Q(
        teaching_group__in=TeachingAssignment.objects.filter(teacher=person).values(
            "teaching_group"
        )
    )
    profile = Q(
        Exists(
            Membership.objects.current().filter(
                person=person, school=OuterRef("school"), profile=OuterRef("profile")
            )
        ),
        school__isnull=False,
    )
    in_force = Q(ends_at=None) | Q(ends_at__gt=timezone.now())
    return in_force & (Q(person=person) | classes | groups | profile)


def resource_key(resource: models.Model) -> tuple[ContentType, str]:
    return ContentType.objects.get_for_model(resource), str(resource.pk)


def role_on(person: User, resource: models.Model, *, owner: User | None = None) -> ShareRole | None:
    """Return the highest role `person` holds on `resource` (its owner manages it)."""
    if not _may_act(person, timezone.now()):
        return None
    if owner is not None and owner.pk == person.pk:
        return ShareRole.MANAGE
    content_type, key = resource_key(resource)
    best = Share.objects.filter(
        _shared_with_q(person), content_type=content_type, object_id=key
    ).aggregate(role=Max("role"))["role"]
    return ShareRole(best) if best else None


def shared_with(person: User, model: type[models.Model] | None = None) -> models.QuerySet[Any]:
    """Return "shared with me": one row per resource (content_type, object_id, role, shared_at)."""
    shares = Share.objects.filter(_shared_with_q(person))
    if model is not None:
        shares = shares.filter(content_type=ContentType.objects.get_for_model(model))
    return (
        shares.values("content_type", "object_id")
        .annotate(role=Max("role"), shared_at=Max("created_at"))
        .order_by("-shared_at", "object_id")
    )


def visible_ids(
    person: User, model: type[models.Model], *, role: int = ShareRole.READ
) -> models.QuerySet[Any]:
    """Return the keys of `model` rows shared with `person` at `role` or more, for `pk__in`."""
    pk = model._meta.pk
    key: Any = "object_id"
    if isinstance(pk, models.IntegerField | models.AutoField):
        key = Cast("object_id", output_field=models.BigIntegerField())
    return (
        Share.objects.filter(
            _shared_with_q(person),
            content_type=ContentType.objects.get_for_model(model),
            role__gte=role,
        )
        .annotate(key=key)
        .values("key")
    )


def shares_of(resource: models.Model) -> models.QuerySet[Share]:
    """Return the shares of one resource, for its "shared with" panel."""
    content_type, key = resource_key(resource)
    return Share.objects.filter(content_type=content_type, object_id=key).order_by("grantee_key")
