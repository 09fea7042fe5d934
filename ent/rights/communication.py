"""Who may see whom in the directory and write to whom (SOC-SEC-AUT, UTI-IDO-PBL-03/-04,
UTI-CCO-CEL-05), and which of a person's details others see.

Rules are (viewer profile → audience) pairs, evaluated per school: each of the viewer's roles
opens its audiences in the school of that role only, so nobody sees the people of a school
they have no link with. `DEFAULT_RULES` applies unless the project (a rule without school) or
the school (a rule with one) overrides a pair. Everything runs as subqueries of one statement,
after three small reads: the same number of queries whatever the number of schools.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    TeachingAssignment,
    User,
)

from .models import Audience, CommunicationRule, DetailAudience, DetailField, DetailVisibility

A = Audience
# The school's staff as a pupil or a parent meets them.
STAFF_PROFILES = (Profile.DIR, Profile.EVS, Profile.ETA, Profile.DOC)
# People who work in a school: they see its directory and the details shown to staff.
WORKING_PROFILES = (Profile.ENS, Profile.DOC, Profile.DIR, Profile.EVS, Profile.ETA)

DEFAULT_RULES: dict[str, frozenset[str]] = {
    Profile.ELV: frozenset({A.FAMILY, A.CLASSMATES, A.TEACHERS, A.HEAD_TEACHERS, A.STAFF}),
    Profile.TUT: frozenset({A.FAMILY, A.TEACHERS, A.HEAD_TEACHERS, A.STAFF}),
    Profile.ENS: frozenset({A.SCHOOL}),
    Profile.DOC: frozenset({A.SCHOOL}),
    Profile.DIR: frozenset({A.SCHOOL}),
    Profile.EVS: frozenset({A.SCHOOL}),
    Profile.ETA: frozenset({A.SCHOOL}),
    Profile.ACA: frozenset({A.STAFF}),
    Profile.COL: frozenset({A.STAFF}),
    Profile.GST: frozenset({A.STAFF}),
}

# UTI-IDO-PBL-04: a pupil's personal data is hidden unless they choose otherwise.
PUPIL_DETAILS: dict[str, str] = dict.fromkeys(DetailField.values, DetailAudience.NOBODY)
ADULT_DETAILS: dict[str, str] = {
    **PUPIL_DETAILS,
    DetailField.EMAIL: DetailAudience.CONTACTS,
    DetailField.PHONE_WORK: DetailAudience.CONTACTS,
}


@dataclass(frozen=True)
class _Role:
    profile: str
    school_id: int
    pupils: frozenset[int]  # the pupils the role is about: the viewer, or their children


def _roles(viewer: User) -> list[_Role]:
    """Load the viewer's current roles: memberships, then children's schools (two queries)."""
    children: dict[int, set[int]] = defaultdict(set)
    for pupil_id, school_id in (
        Membership.objects.current()
        .filter(
            profile=Profile.ELV,
            person__is_active=True,
            person__guardianships__guardian=viewer,
            person__guardianships__has_legal_authority=True,
        )
        .values_list("person_id", "school_id")
    ):
        children[school_id].add(pupil_id)
    roles = []
    for profile, school_id in (
        Membership.objects.current().filter(person=viewer).values_list("profile", "school_id")
    ):
        if profile == Profile.ELV:
            roles.append(_Role(profile, school_id, frozenset({viewer.pk})))
        elif profile != Profile.TUT:
            roles.append(_Role(profile, school_id, frozenset()))
    held = {(role.profile, role.school_id) for role in roles}
    for school_id in {s for (p, s) in held if p == Profile.TUT} | set(children):
        roles.append(_Role(Profile.TUT, school_id, frozenset(children.get(school_id, ()))))
    return roles


def _rules(roles: list[_Role], *, write: bool) -> dict[tuple[str, int], set[str]]:
    """Return the audiences open to each (profile, school) of the roles (one query)."""
    open_: dict[tuple[str, int], set[str]] = {
        (role.profile, role.school_id): set(DEFAULT_RULES.get(role.profile, ())) for role in roles
    }
    if not open_:
        return open_
    overrides = CommunicationRule.objects.filter(
        Q(school=None) | Q(school__in={school for (_, school) in open_}),
        viewer_profile__in={profile for (profile, _) in open_},
    )
    # Project rules first, so that a school's own rule wins over them.
    for rule in sorted(overrides, key=lambda rule: rule.school_id is not None):
        allowed = rule.may_write if write else rule.may_see
        for (profile, school_id), audiences in open_.items():
            if profile != rule.viewer_profile or rule.school_id not in (None, school_id):
                continue
            if allowed:
                audiences.add(rule.audience)
            else:
                audiences.discard(rule.audience)
    return open_


def _audience_q(role: _Role, audience: str) -> Q:
    """People of `audience` for one role, as a subquery on User.pk."""
    school = role.school_id
    pupils = role.pupils
    classes = Enrolment.objects.filter(pupil__in=pupils, school_class__school=school).values(
        "school_class"
    )
    groups = Enrolment.objects.filter(pupil__in=pupils, teaching_group__school=school).values(
        "teaching_group"
    )
    if audience == A.SCHOOL:
        return Q(pk__in=Membership.objects.current().filter(school=school).values("person"))
    if audience == A.STAFF:
        staff = Membership.objects.current().filter(school=school, profile__in=STAFF_PROFILES)
        return Q(pk__in=staff.values("person"))
    if not pupils:
        return Q(pk__in=[])
    if audience == A.FAMILY:
        guardians = Guardianship.objects.filter(pupil__in=pupils, guardian__isnull=False)
        return Q(pk__in=pupils) | Q(pk__in=guardians.values("guardian"))
    if audience == A.CLASSMATES:
        return Q(pk__in=Enrolment.objects.filter(school_class__in=classes).values("pupil")) | Q(
            pk__in=Enrolment.objects.filter(teaching_group__in=groups).values("pupil")
        )
    if audience == A.TEACHERS:
        teachers = TeachingAssignment.objects.filter(
            Q(school_class__in=classes) | Q(teaching_group__in=groups)
        )
        return Q(pk__in=teachers.values("teacher"))
    if audience == A.HEAD_TEACHERS:
        return Q(pk__in=HeadTeacher.objects.filter(school_class__in=classes).values("teacher"))
    return Q(pk__in=[])


def _people(viewer: User, *, write: bool) -> QuerySet[User]:
    if not viewer.is_authenticated or not viewer.is_active:
        nobody: QuerySet[User] = User.objects.none()
        return nobody
    roles = _roles(viewer)
    rules = _rules(roles, write=write)
    condition = Q(pk=viewer.pk)
    for role in roles:
        for audience in sorted(rules.get((role.profile, role.school_id), ())):
            condition |= _audience_q(role, audience)
    people: QuerySet[User] = User.objects.filter(condition, is_active=True)
    return people


def visible_people(viewer: User) -> QuerySet[User]:
    """Return the people `viewer` may see in the directory (themselves included)."""
    return _people(viewer, write=False)


def writable_people(viewer: User) -> QuerySet[User]:
    """Return the people `viewer` may write to (messaging, sharing with a person)."""
    return _people(viewer, write=True)


def may_see(viewer: User, person: User) -> bool:
    """Tell whether `viewer` may see `person` in the directory."""
    return visible_people(viewer).filter(pk=person.pk).exists()


def may_write_to(sender: User, recipient: User) -> bool:
    """Tell whether `sender` may write to `recipient` (UTI-CCO-CEL-05)."""
    return writable_people(sender).filter(pk=recipient.pk).exists()


def detail_audiences(person: User) -> dict[str, str]:
    """Return who sees each detail of `person`: their choices over the defaults (2 queries)."""
    is_pupil = Membership.objects.current().filter(person=person, profile=Profile.ELV).exists()
    audiences = dict(PUPIL_DETAILS if is_pupil else ADULT_DETAILS)
    audiences.update(
        DetailVisibility.objects.filter(person=person).values_list("field", "audience")
    )
    return audiences


def visible_details(viewer: User, person: User) -> dict[str, Any]:
    """Return the details of `person` that `viewer` may read; empty when hidden altogether."""
    if viewer.pk == person.pk:
        return {name: getattr(person, name) for name in DetailField.values}
    if not may_see(viewer, person):
        return {}
    audiences = detail_audiences(person)
    is_staff = (
        Membership.objects.current()
        .filter(
            person=viewer,
            profile__in=WORKING_PROFILES,
            school__in=Membership.objects.current().filter(person=person).values("school"),
        )
        .exists()
    )
    shown = (
        {DetailAudience.CONTACTS, DetailAudience.STAFF} if is_staff else {DetailAudience.CONTACTS}
    )
    return {
        name: getattr(person, name)
        for name, audience in audiences.items()
        if audience in shown and getattr(person, name)
    }


@dataclass
class _Facts:
    """What `visible_details_many` needs about a set of people, in four queries."""

    seen: set[int] = field(default_factory=set)
    pupils: set[int] = field(default_factory=set)
    choices: dict[int, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    schools: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


def _facts(viewer: User, ids: list[int]) -> _Facts:
    facts = _Facts()
    facts.seen = set(visible_people(viewer).filter(pk__in=ids).values_list("pk", flat=True))
    members = Membership.objects.current().filter(person__in=ids)
    for person_id, school_id, profile in members.values_list("person", "school", "profile"):
        facts.schools[person_id].add(school_id)
        if profile == Profile.ELV:
            facts.pupils.add(person_id)
    rows = DetailVisibility.objects.filter(person__in=ids)
    for person_id, name, audience in rows.values_list("person", "field", "audience"):
        facts.choices[person_id][name] = audience
    return facts


def visible_details_many(viewer: User, people: Sequence[User]) -> dict[int, dict[str, Any]]:
    """Return `visible_details(viewer, p)` for each person the viewer sees, in 6 queries."""
    ids = [person.pk for person in people if person.pk != viewer.pk]
    facts = _facts(viewer, ids) if ids else _Facts()
    working = set(
        Membership.objects.current()
        .filter(person=viewer, profile__in=WORKING_PROFILES)
        .values_list("school", flat=True)
        if ids
        else ()
    )
    found: dict[int, dict[str, Any]] = {}
    for person in people:
        if person.pk == viewer.pk:
            found[person.pk] = {name: getattr(person, name) for name in DetailField.values}
            continue
        if person.pk not in facts.seen:
            continue
        audiences = dict(PUPIL_DETAILS if person.pk in facts.pupils else ADULT_DETAILS)
        audiences.update(facts.choices.get(person.pk, {}))
        shown = {DetailAudience.CONTACTS}
        if working & facts.schools.get(person.pk, set()):
            shown.add(DetailAudience.STAFF)
        found[person.pk] = {
            name: getattr(person, name)
            for name, audience in audiences.items()
            if audience in shown and getattr(person, name)
        }
    return found
