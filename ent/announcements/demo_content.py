"""Demo news and alerts for `ent demo setup`: in one school per degree, a validated news item
for the whole community and an alert, written by a teacher and validated by the head.
Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from ent.directory.models import Membership, Profile, School, User

from .actions import Draft, validate_announcement, write_announcement
from .models import Announcement, Kind

NEWS_TITLE = "Portes ouvertes samedi matin"
ALERT_TITLE = "Exercice d'évacuation jeudi à 10 h"


def _first(school: School, profile: str) -> User | None:
    member = (
        Membership.objects.current()
        .filter(school=school, profile=profile, person__is_active=True)
        .select_related("person")
        .order_by("person__login")
        .first()
    )
    return member.person if member else None


def _fill(school: School, log: Callable[[str], None]) -> None:
    head = _first(school, Profile.DIR)
    author = _first(school, Profile.ENS) or head
    if head is None or author is None:
        return
    now = timezone.now()
    items = (
        (
            Kind.NEWS,
            NEWS_TITLE,
            "<p>L'établissement ouvre ses portes <strong>samedi de 9 h à 12 h</strong> : "
            "visite des salles, rencontre avec les équipes.</p>",
            30,
        ),
        (
            Kind.ALERT,
            ALERT_TITLE,
            "<p>Un exercice d'évacuation aura lieu jeudi à 10 h. Merci de suivre les "
            "consignes des adultes.</p>",
            7,
        ),
    )
    for kind, title, body, days in items:
        draft = Draft(
            title=title,
            body=body,
            kind=kind,
            starts_at=now,
            ends_at=now + timedelta(days=days),
            whole_community=True,
        )
        item = write_announcement(actor=author, school=school, draft=draft, submit=True)
        validate_announcement(actor=head, announcement=item)
    log(f"  news and alerts: {school.name}")


def populate(*, log: Callable[[str], None]) -> None:
    """Add a validated news item and an alert to one school per degree, once."""
    for degree in (2, 1):
        if Announcement.objects.filter(title=NEWS_TITLE, school__degree=degree).exists():
            continue
        school = (
            School.objects.filter(degree=degree, is_active=True)
            .filter(pk__in=Membership.objects.filter(profile=Profile.DIR).values("school"))
            .filter(pk__in=Membership.objects.filter(profile=Profile.ELV).values("school"))
            .order_by("uai")
            .first()
        )
        if school is not None:
            _fill(school, log)
