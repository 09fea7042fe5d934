"""Reads of news and alerts: the banner, the home widget, the pages, the audience."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ent.directory.lists import school_lists
from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    School,
    TeachingAssignment,
    User,
)
from ent.rights.permissions import is_operator
from ent.rights.queries import Rights, effective_rights
from ent.rights.registry import Level

from .models import SERVICE, Acceptance, Announcement, Role, Status
from .permissions import (
    authority_schools,
    can_accept_announcement,
    can_edit_announcement,
    can_validate_announcement,
    can_withdraw_announcement,
)


def current_alerts(person: User) -> list[Announcement]:
    """Return the alerts shown to `person` now, newest first (one query: the banner)."""
    found = Announcement.objects.visible_to(person).alerts().order_by("-starts_at", "-pk")
    return list(found[:5])


def current_news(person: User, *, limit: int = 50) -> list[Announcement]:
    """Return the news shown to `person` now, newest first."""
    found = (
        Announcement.objects.visible_to(person)
        .news()
        .select_related("school", "author")
        .order_by("-starts_at", "-pk")
    )
    return list(found[:limit])


def validated_schools(rights: Rights) -> tuple[bool, set[int]]:
    """Return (everywhere, school ids) where `rights` make one an editorial responsible."""
    found = {
        right.school_id
        for right in rights.rights
        if right.service == SERVICE and right.level >= Level.MANAGE
    }
    return None in found, {pk for pk in found if pk is not None}


def readable_by(person: User, rights: Rights | None = None) -> QuerySet[Announcement]:
    """Return the items `person` may open: shown to them, written by them, or waiting for
    their validation or acceptance."""
    rights = rights if rights is not None else effective_rights(person)
    everywhere, schools = validated_schools(rights)
    shown = Announcement.objects.visible_to(person).values("pk")
    condition = Q(pk__in=shown) | Q(author=person)
    if everywhere or is_operator(person):
        condition |= Q(status__in=[Status.SUBMITTED, Status.VALIDATED])
    else:
        condition |= Q(school__in=schools, status__in=[Status.SUBMITTED, Status.VALIDATED])
        condition |= Q(is_from_authority=True, status=Status.VALIDATED, offered_to__in=schools)
    return Announcement.objects.filter(condition).distinct()


@dataclass(frozen=True)
class Desk:
    """What an author or editorial responsible has to do."""

    mine: list[Announcement]
    to_validate: list[Announcement]
    to_accept: list[tuple[Announcement, School]]


def desk(person: User, rights: Rights) -> Desk:
    """Return the person's own items, the items they validate and the offers they accept."""
    mine = list(
        Announcement.objects.filter(author=person)
        .select_related("school")
        .order_by("-created_at", "-pk")[:50]
    )
    everywhere, schools = validated_schools(rights)
    waiting = Announcement.objects.filter(status=Status.SUBMITTED).select_related(
        "school", "author"
    )
    if not everywhere:
        waiting = waiting.filter(school__in=schools)
    offers: list[tuple[Announcement, School]] = []
    if schools:
        accepted = set(
            Acceptance.objects.filter(school__in=schools).values_list(
                "announcement_id", "school_id"
            )
        )
        offered = (
            Announcement.objects.filter(is_from_authority=True, status=Status.VALIDATED)
            .current()
            .prefetch_related("offered_to")
            .order_by("-starts_at")
        )
        for item in offered.filter(offered_to__in=schools).distinct():
            offers.extend(
                (item, school)
                for school in item.offered_to.all()
                if school.pk in schools and (item.pk, school.pk) not in accepted
            )
    return Desk(mine, list(waiting.order_by("submitted_at", "pk")), offers)


def validators_of(schools: list[School]) -> QuerySet[User]:
    """Return the editorial responsibles of `schools`: their heads (who manage the service)."""
    heads = Membership.objects.current().filter(school__in=schools, profile=Profile.DIR)
    found: QuerySet[User] = User.objects.filter(pk__in=heads.values("person_id"), is_active=True)
    return found


def audience_people(announcement: Announcement, schools: list[School]) -> QuerySet[User]:
    """Return the people an item reaches in `schools` (its notification's recipients)."""
    members = Membership.objects.current().filter(school__in=schools)
    pupils = members.filter(profile=Profile.ELV).values("person_id")
    guardians = Guardianship.objects.filter(pupil__in=pupils).values("guardian_id")
    if announcement.is_whole_community:
        condition = Q(pk__in=members.values("person_id")) | Q(pk__in=guardians)
        everyone: QuerySet[User] = User.objects.filter(condition, is_active=True)
        return everyone
    condition = Q(pk__in=[])
    for line in announcement.audience.all():
        if line.profile:
            condition |= Q(pk__in=members.filter(profile=line.profile).values("person_id"))
            if line.profile == Profile.TUT:
                condition |= Q(pk__in=guardians)
            continue
        on = (
            Q(school_class_id=line.school_class_id)
            if line.school_class_id
            else Q(teaching_group_id=line.teaching_group_id)
        )
        enrolled = Enrolment.objects.filter(on).values("pupil_id")
        if line.role == Role.PUPILS:
            condition |= Q(pk__in=enrolled)
        elif line.role == Role.GUARDIANS:
            condition |= Q(
                pk__in=Guardianship.objects.filter(pupil__in=enrolled).values("guardian_id")
            )
        else:
            condition |= Q(pk__in=TeachingAssignment.objects.filter(on).values("teacher_id"))
    reached: QuerySet[User] = User.objects.filter(condition, is_active=True)
    return reached


@dataclass(frozen=True)
class WritingOptions:
    """Where a person may publish, and to which classes and groups."""

    schools: list[School]
    lists: list[tuple[str, str]]
    authority: list[School]

    @property
    def may_write(self) -> bool:
        return bool(self.schools or self.authority)


def writing_options(person: User, rights: Rights) -> WritingOptions:
    """Return the schools `person` may write for, their structure lists, and the schools they
    may offer local-authority items to."""
    ids = sorted(
        {
            right.school_id
            for right in rights.rights
            if right.service == SERVICE and right.level >= Level.USE and right.school_id
        }
    )
    schools = list(School.objects.filter(pk__in=ids).order_by("name"))
    names = {school.pk: school.name for school in schools}
    lists = [
        (found.key, f"{found.label} ({names[found.school_id]})") for found in school_lists(ids)
    ]
    return WritingOptions(schools, lists, authority_schools(person))


@dataclass(frozen=True)
class Abilities:
    """What a person may do to one item, for its page."""

    edit: bool
    validate: bool
    withdraw: bool
    accept_in: list[School]


def abilities(person: User, item: Announcement) -> Abilities:
    """Return what `person` may do to `item`."""
    accept_in = []
    if item.is_from_authority and item.status == Status.VALIDATED:
        done = set(item.acceptances.values_list("school_id", flat=True))
        accept_in = [
            school
            for school in item.offered_to.order_by("name")
            if school.pk not in done and can_accept_announcement(person, item, school)
        ]
    return Abilities(
        edit=can_edit_announcement(person, item),
        validate=can_validate_announcement(person, item),
        withdraw=can_withdraw_announcement(person, item),
        accept_in=accept_in,
    )


def form_initial(item: Announcement) -> dict[str, Any]:
    """Return the form values of an item being changed."""
    lines = list(item.audience.all())
    return {
        "school": str(item.school_id) if item.school_id else "authority",
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
        "ends_on": timezone.localtime(item.ends_at).date() - timedelta(days=1),
        "whole_community": item.is_whole_community,
        "profiles": [line.profile for line in lines if line.profile],
        "lists": [
            f"class-{line.school_class_id}-{line.role}"
            if line.school_class_id
            else f"group-{line.teaching_group_id}-{line.role}"
            for line in lines
            if line.role
        ],
        "offered_to": [str(pk) for pk in item.offered_to.values_list("pk", flat=True)],
    }


@dataclass(frozen=True)
class Shown:
    """The alerts and news shown to a person now, newest first."""

    alerts: list[Announcement]
    news: list[Announcement]


def shown_now(person: User, *, limit: int = 5) -> Shown:
    """Return the alerts (the banner) and news (the home widget) of `person` in one query."""
    found = list(Announcement.objects.visible_to(person).order_by("-starts_at", "-pk")[:100])
    alerts = [item for item in found if item.is_alert][:limit]
    news = [item for item in found if not item.is_alert][:limit]
    return Shown(alerts, news)
