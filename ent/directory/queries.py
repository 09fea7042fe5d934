"""Reads across directory models, for pages and operators."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from .models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
)


def directory_stats() -> dict[str, Any]:
    """Count what an operator checks after a feed run (active accounts only)."""
    by_profile = dict(
        Membership.objects.filter(person__is_active=True)
        .values("profile")
        .annotate(people=Count("person", distinct=True))
        .values_list("profile", "people")
    )
    return {
        "schools": School.objects.filter(is_active=True).count(),
        "people": {profile.value: by_profile.get(profile.value, 0) for profile in Profile},
        "guardianships": Guardianship.objects.filter(
            guardian__is_active=True, pupil__is_active=True
        ).count(),
        "classes": SchoolClass.objects.count(),
        "groups": TeachingGroup.objects.count(),
    }


def person_card(person: Any) -> dict[str, Any]:
    """Return a person's memberships, classes, groups, children and guardians for their page."""
    memberships = list(
        Membership.objects.current()
        .filter(person=person)
        .select_related("school")
        .order_by("school__name", "profile")
    )
    enrolments = list(
        Enrolment.objects.filter(pupil=person).select_related(
            "school_class__school", "teaching_group__school"
        )
    )
    children = list(
        Guardianship.objects.filter(guardian=person, pupil__is_active=True)
        .select_related("pupil")
        .order_by("pupil__first_name")
    )
    guardians = list(
        Guardianship.objects.filter(pupil=person, guardian__is_active=True)
        .select_related("guardian")
        .order_by("guardian__last_name")
    )
    teaching = list(
        TeachingAssignment.objects.filter(teacher=person)
        .select_related("school_class__school", "teaching_group__school", "subject")
        .order_by("school_class__code", "teaching_group__code")
    )
    return {
        "person": person,
        "memberships": memberships,
        "enrolments": enrolments,
        "children": children,
        "guardians": guardians,
        "teaching": teaching,
    }
