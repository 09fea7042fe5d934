"""Reads of the notification service: the feed, the unread count, the preference grid, and the
facts delivery needs about many people at once (each in a fixed number of queries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ent.directory.models import (
    Enrolment,
    Guardianship,
    HeadTeacher,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    User,
)

from . import push
from .channels import DEFAULT_PROFILES, GOVERNED, Choices, Policies, Role, is_allowed, is_wanted
from .events import (
    ANY_KIND,
    CHANNEL_LABELS,
    CHANNELS,
    DIGEST,
    EMAIL,
    PUSH,
    SMS,
    STAFF,
    declared_kinds,
)
from .models import ChannelPreference, Notification, NotificationQuerySet, SchoolChannelPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable

# Who a head of school may alert: codes of the alert form and of `send_school_alert`.
AUDIENCES: dict[str, str | Promise] = {
    "guardians": _("Guardians"),
    "pupils": _("Pupils"),
    "staff": _("Staff"),
}


def unread_count(person: User) -> int:
    """Count the person's unread notifications (one query)."""
    return Notification.objects.visible_to(person).unread().count()


def latest_for(person: User, limit: int = 5) -> list[Notification]:
    """Return the person's latest notifications, newest first (one query)."""
    return list(Notification.objects.visible_to(person).order_by("-created_at", "-pk")[:limit])


def inbox(person: User) -> NotificationQuerySet:
    """Return the person's feed: unread first, then newest first."""
    unread = ExpressionWrapper(Q(read_at=None), output_field=models.BooleanField())
    return (
        Notification.objects.visible_to(person)
        .annotate(unread_first=unread)
        .order_by("-unread_first", "-created_at", "-pk")
    )


def roles_of(ids: Collection[int]) -> dict[int, set[Role]]:
    """Return each person's (school, profile) roles today, a guardian's role in each child's
    school included (two queries)."""
    day = timezone.localdate()
    roles: dict[int, set[Role]] = defaultdict(set)
    members = Membership.objects.current(day).filter(person__in=ids)
    for person_id, school_id, profile in members.values_list("person_id", "school_id", "profile"):
        roles[person_id].add((school_id, profile))
    wards = Membership.objects.current(day).filter(
        profile=Profile.ELV,
        person__is_active=True,
        person__guardianships__guardian__in=ids,
    )
    for guardian_id, school_id in wards.values_list(
        "person__guardianships__guardian_id", "school_id"
    ):
        roles[guardian_id].add((school_id, Profile.TUT))
    return roles


def policies_for(school_ids: Collection[int]) -> Policies:
    """Return the channel policies the schools set (one query)."""
    rows = SchoolChannelPolicy.objects.filter(school__in=school_ids)
    return {
        (school_id, channel): frozenset(profiles)
        for school_id, channel, profiles in rows.values_list(
            "school_id", "channel", "allowed_profiles"
        )
    }


def choices_of(
    ids: Collection[int], kinds: Collection[str]
) -> dict[int, dict[tuple[str, str], bool]]:
    """Return each person's channel choices for `kinds` and for every kind (one query)."""
    choices: dict[int, dict[tuple[str, str], bool]] = defaultdict(dict)
    rows = ChannelPreference.objects.filter(person__in=ids, kind__in=[*kinds, ANY_KIND])
    for person_id, kind, channel, enabled in rows.values_list(
        "person_id", "kind", "channel", "is_enabled"
    ):
        choices[person_id][(kind, channel)] = enabled
    return choices


def school_policy(school: School) -> dict[str, frozenset[str] | None]:
    """Return, per governed channel, the profiles `school` lets it reach (None: everyone)."""
    stored = policies_for([school.pk])
    return {
        channel: stored.get((school.pk, channel), DEFAULT_PROFILES[channel]) for channel in GOVERNED
    }


@dataclass(frozen=True)
class PreferenceCell:
    """One kind on one channel, as the preferences page shows it."""

    kind: str
    channel: str
    is_enabled: bool
    is_allowed: bool
    # Why an allowed channel cannot be chosen yet: "no_phone", "no_email".
    missing: str = ""

    @property
    def field_name(self) -> str:
        return f"{self.kind}__{self.channel}"


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str | Promise
    cells: tuple[PreferenceCell, ...]


@dataclass(frozen=True)
class PreferenceGrid:
    """Every declared kind by the channels this ENT offers, for one person."""

    channels: tuple[str, ...]
    rows: tuple[PreferenceRow, ...]

    @property
    def channel_labels(self) -> list[str | Promise]:
        return [CHANNEL_LABELS[channel] for channel in self.channels]

    def cells(self) -> Iterable[PreferenceCell]:
        for row in self.rows:
            yield from row.cells


def offered_channels() -> tuple[str, ...]:
    """Return the channels this ENT can deliver on (web push only once configured)."""
    return tuple(channel for channel in CHANNELS if channel != PUSH or push.is_configured())


def preference_grid(person: User) -> PreferenceGrid:
    """Return what the person chose for each kind and channel, within what their schools allow
    (four queries)."""
    kinds = sorted(declared_kinds().values(), key=lambda kind: str(kind.label))
    roles = roles_of([person.pk]).get(person.pk, set())
    policies = policies_for({school_id for school_id, _profile in roles})
    choices: Choices = choices_of([person.pk], [kind.code for kind in kinds]).get(person.pk, {})
    channels = offered_channels()
    missing = {SMS: "" if person.phone_mobile else "no_phone"}
    missing |= dict.fromkeys((EMAIL, DIGEST), "" if person.email else "no_email")
    rows = []
    for kind in kinds:
        cells = []
        for channel in channels:
            allowed = is_allowed(channel, roles=roles, policies=policies, kind=kind)
            wanted = is_wanted(channel, kind=kind, choices=choices)
            gap = missing.get(channel, "")
            cells.append(
                PreferenceCell(kind.code, channel, allowed and wanted and not gap, allowed, gap)
            )
        rows.append(PreferenceRow(kind.code, kind.label, tuple(cells)))
    return PreferenceGrid(channels, tuple(rows))


def alert_recipients(
    *, school: School, audiences: Collection[str], school_class: SchoolClass | None = None
) -> models.QuerySet[User]:
    """Return the active people of `school` (or of one of its classes) in `audiences`."""
    members = Membership.objects.current().filter(school=school)
    pupils: models.QuerySet[Any, Any] = members.filter(profile=Profile.ELV).values("person")
    if school_class is not None:
        pupils = Enrolment.objects.filter(school_class=school_class, pupil__in=pupils).values(
            "pupil"
        )
    wanted = Q(pk__in=[])
    if "pupils" in audiences:
        wanted |= Q(pk__in=pupils)
    if "guardians" in audiences:
        guardians = Guardianship.objects.filter(pupil__in=pupils, guardian__isnull=False)
        wanted |= Q(pk__in=guardians.values("guardian"))
        if school_class is None:
            wanted |= Q(pk__in=members.filter(profile=Profile.TUT).values("person"))
    if "staff" in audiences:
        if school_class is None:
            wanted |= Q(pk__in=members.filter(profile__in=STAFF).values("person"))
        else:
            teaching = TeachingAssignment.objects.filter(school_class=school_class)
            wanted |= Q(pk__in=teaching.values("teacher"))
            heads = HeadTeacher.objects.filter(school_class=school_class)
            wanted |= Q(pk__in=heads.values("teacher"))
    found: models.QuerySet[User] = User.objects.active().filter(wanted)
    return found
