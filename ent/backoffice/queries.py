"""Reads of the school's back-office: its schools, accounts, grants, rules, connectors, usage.

The grants, delegations and rules of one school are read here from the rights tables, for the
pages that administer them; the rights app has no such listing yet (see the report of issue 4).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ent.audit.models import UsageCount
from ent.directory.models import Membership, Profile, School, User
from ent.rights.communication import DEFAULT_RULES
from ent.rights.models import Audience, CommunicationRule, Delegation, ServiceGrant
from ent.rights.permissions import ADMIN_SERVICE
from ent.rights.queries import Rights, own_rights, schools_for
from ent.rights.registry import Level, declared_services
from ent.sso.models import Service

# The service UsageCount counts connections under.
LOGIN = "login"
NO_RULE, SEES, WRITES = "none", "see", "write"


def administered_schools(person: User) -> QuerySet[School]:
    """Return the schools whose back-office `person` may open, by name."""
    return schools_for(person, ADMIN_SERVICE, level=Level.MANAGE).order_by("name")


def reaches_school(rights: Rights, school_id: int) -> bool:
    """Tell whether a school is one of the person's: a role there, or its administration."""
    if any(role.school_id == school_id for role in rights.roles):
        return True
    administered = rights.school_ids(ADMIN_SERVICE, level=Level.MANAGE)
    return administered is None or school_id in administered


def school_members(school: School) -> QuerySet[User]:
    """Return the active people with a current membership in `school`."""
    members = Membership.objects.current().filter(school=school).values("person_id")
    people: QuerySet[User] = User.objects.filter(is_active=True, pk__in=members)
    return people


# Accounts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileCounts:
    """How many accounts of one profile a school has, by state."""

    profile: str
    label: str
    total: int
    active: int
    waiting: int
    suspended: int
    deactivated: int
    expired: int


def account_counts(school: School) -> list[ProfileCounts]:
    """Count the accounts of `school` by profile and state, in one query."""
    now = timezone.now()
    valid = Q(person__valid_until=None) | Q(person__valid_until__gt=now)
    rows = (
        Membership.objects.current()
        .filter(school=school)
        .values("profile")
        .annotate(
            total=Count("pk"),
            active=Count(
                "pk", filter=Q(person__is_active=True, person__activated_at__isnull=False) & valid
            ),
            waiting=Count("pk", filter=Q(person__is_active=True, person__activated_at=None)),
            suspended=Count("pk", filter=Q(person__suspended_at__isnull=False)),
            deactivated=Count("pk", filter=Q(person__deactivated_at__isnull=False)),
            expired=Count("pk", filter=Q(person__valid_until__lte=now)),
        )
        .order_by("profile")
    )
    labels = dict(Profile.choices)
    return [
        ProfileCounts(label=str(labels.get(row["profile"], row["profile"])), **row) for row in rows
    ]


def external_accounts(school: School) -> QuerySet[User]:
    """Return the external accounts of `school` (guests with a validity date), ended ones too,
    each with `external_memberships`: its guest membership there."""
    guests = Membership.objects.filter(school=school, profile=Profile.GST)
    people: QuerySet[User] = User.objects.filter(
        purged_at=None, valid_until__isnull=False, pk__in=guests.values("person_id")
    )
    return people.prefetch_related(
        Prefetch("memberships", queryset=guests, to_attr="external_memberships")
    ).order_by("-valid_until", "last_name", "first_name", "pk")


@dataclass(frozen=True)
class ExternalRow:
    """An external account as its list shows it."""

    person: User
    note: str

    @property
    def last_day(self) -> date:
        """The last day the account may sign in (its validity ends at the next midnight)."""
        until = self.person.valid_until or timezone.now()
        return timezone.localtime(until - timedelta(microseconds=1)).date()

    @property
    def is_expired(self) -> bool:
        return self.person.valid_until is not None and self.person.valid_until <= timezone.now()


def external_rows(school: School) -> list[ExternalRow]:
    """Return the external accounts of `school` for their list (2 queries)."""
    rows = []
    for person in external_accounts(school):
        functions = [m.functions for m in getattr(person, "external_memberships", [])]
        labels = [str(item.get("label", "")) for items in functions for item in items or []]
        rows.append(ExternalRow(person=person, note=", ".join(label for label in labels if label)))
    return rows


# Grants and delegations ----------------------------------------------------------------------


@dataclass(frozen=True)
class GrantRow:
    """A grant as the grants page lists it."""

    grant: ServiceGrant
    service_label: str
    grantee: str

    @property
    def is_suspended(self) -> bool:
        return self.grant.suspended_at is not None


def _grantee(grant: ServiceGrant) -> str:
    if grant.person is not None:
        return grant.person.display_name
    if grant.school_class is not None:
        return str(grant.school_class)
    if grant.teaching_group is not None:
        return str(grant.teaching_group)
    if grant.profile:
        return str(grant.get_profile_display())
    return grant.function


def _grant_rows(grants: QuerySet[ServiceGrant]) -> list[GrantRow]:
    services = declared_services()
    rows = grants.select_related("person", "school_class", "teaching_group").order_by(
        "service", "profile", "function", "pk"
    )
    return [
        GrantRow(
            grant=grant,
            service_label=str(services[grant.service].label)
            if grant.service in services
            else grant.service,
            grantee=_grantee(grant),
        )
        for grant in rows
    ]


def school_grants(school: School) -> QuerySet[ServiceGrant]:
    """Return the grants given in `school` and not revoked: those its administrators manage."""
    return ServiceGrant.objects.not_revoked().filter(school=school)


def grant_rows(school: School) -> tuple[list[GrantRow], list[GrantRow]]:
    """Return the school's own grants, then the project-wide ones, for the grants page."""
    project = ServiceGrant.objects.not_revoked().filter(school=None)
    return _grant_rows(school_grants(school)), _grant_rows(project)


def school_delegations(school: School) -> QuerySet[Delegation]:
    """Return the delegations in `school` neither revoked nor over, soonest end first."""
    now = timezone.now()
    return (
        Delegation.objects.filter(school=school, revoked_at=None)
        .filter(Q(ends_at=None) | Q(ends_at__gt=now))
        .select_related("delegator", "delegate")
        .order_by("ends_at", "pk")
    )


@dataclass(frozen=True)
class DelegationRow:
    delegation: Delegation
    service_label: str


def delegation_rows(school: School) -> list[DelegationRow]:
    """Return the school's delegations in force or to come, for their list (1 query)."""
    services = declared_services()
    return [
        DelegationRow(
            delegation,
            str(services[delegation.service].label)
            if delegation.service in services
            else delegation.service,
        )
        for delegation in school_delegations(school)
    ]


def delegable_services(person: User, school: School) -> list[tuple[str, str]]:
    """Return (code, label) of the services `person` manages in `school` by their own roles:
    what they may lend (SOC-SUP-ABO-04). A right held by delegation is never lent on."""
    rights = own_rights(person)
    return [
        (code, str(declaration.label))
        for code, declaration in sorted(declared_services().items())
        if rights.has(code, school=school, level=Level.MANAGE)
    ]


# Communication rules (UTI-IDO-PBL-03) --------------------------------------------------------


@dataclass(frozen=True)
class RuleCell:
    """What people of one profile may do with one audience in the school."""

    audience: str
    label: str
    value: str  # NO_RULE, SEES or WRITES
    inherited: str  # the value without the school's own rule
    is_school_rule: bool


@dataclass(frozen=True)
class RuleRow:
    profile: str
    label: str
    cells: tuple[RuleCell, ...]


def _value(may_see: bool, may_write: bool) -> str:
    return WRITES if may_write else SEES if may_see else NO_RULE


def communication_matrix(school: School) -> list[RuleRow]:
    """Return the rules of `school`: defaults, then the project's rules, then its own (1 query)."""
    overrides: dict[tuple[str, str, bool], str] = {}
    for rule in CommunicationRule.objects.filter(Q(school=None) | Q(school=school)):
        key = (rule.viewer_profile, rule.audience, rule.school_id is not None)
        overrides[key] = _value(rule.may_see, rule.may_write)
    rows = []
    for profile, label in Profile.choices:
        cells = []
        for audience, audience_label in Audience.choices:
            default = WRITES if audience in DEFAULT_RULES.get(profile, ()) else NO_RULE
            inherited = overrides.get((profile, audience, False), default)
            own = overrides.get((profile, audience, True))
            cells.append(
                RuleCell(
                    audience=audience,
                    label=str(audience_label),
                    value=own or inherited,
                    inherited=inherited,
                    is_school_rule=own is not None,
                )
            )
        rows.append(RuleRow(profile=profile, label=str(label), cells=tuple(cells)))
    return rows


# Connectors (scenario 14) --------------------------------------------------------------------


def school_connectors(school: School) -> QuerySet[Service]:
    """Return the services of the registry whose data controller is the head of `school`."""
    return Service.objects.filter(school=school).order_by("name", "pk")


# Usage statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageLine:
    """One line of a statistics table: a day or a service, and its counts per profile."""

    key: str
    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Usage:
    """The usage of a school's ENT over a period: counters only, never a person."""

    start: date
    end: date
    profiles: tuple[tuple[str, str], ...]
    connections: tuple[UsageLine, ...]
    services: tuple[UsageLine, ...]

    @property
    def connection_totals(self) -> tuple[int, ...]:
        return tuple(
            sum(line.counts[column] for line in self.connections)
            for column in range(len(self.profiles))
        )

    @property
    def connection_total(self) -> int:
        return sum(line.total for line in self.connections)


def usage_rows(school: School, start: date, end: date) -> QuerySet[UsageCount, Any]:
    """Return (day, profile, service, count) of `school` from `start` to `end` included."""
    return (
        UsageCount.objects.filter(school_id=school.pk, day__gte=start, day__lte=end)
        .order_by("day", "service", "profile")
        .values_list("day", "profile", "service", "count")
    )


def usage(school: School, start: date, end: date) -> Usage:
    """Return the connections per profile and day, and the use of each service (1 query)."""
    connections: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    services: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seen: set[str] = set()
    for day, profile, service, count in usage_rows(school, start, end):
        seen.add(profile)
        if service == LOGIN:
            connections[day][profile] += count
        else:
            services[service][profile] += count
    profiles = tuple((code, str(label)) for code, label in Profile.choices if code in seen)
    if "" in seen:
        profiles += (("", "—"),)
    declared = declared_services()

    def counts(values: dict[str, int]) -> tuple[int, ...]:
        return tuple(values.get(code, 0) for code, _label in profiles)

    return Usage(
        start=start,
        end=end,
        profiles=profiles,
        connections=tuple(
            UsageLine(day.isoformat(), day.isoformat(), counts(values))
            for day, values in sorted(connections.items())
        ),
        services=tuple(
            UsageLine(
                code,
                str(declared[code].label) if code in declared else code,
                counts(values),
            )
            for code, values in sorted(services.items())
        ),
    )
