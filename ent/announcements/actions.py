"""Every change of news and alerts: write, edit, submit, validate, reject, accept, withdraw.

Nothing shows before the school's editorial responsible validates it (AIN-04), and nothing
after its end (AIN-02). Each action checks its predicate before any write, so a refused or
invalid request saves nothing; notifications leave after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ent.audit.actions import record
from ent.core.html import clean_html, to_text
from ent.directory.lists import get_list
from ent.directory.models import Profile, School, User
from ent.notifications.actions import notify
from ent.notifications.events import Event

from .models import Acceptance, Announcement, Audience, Kind, Role, Status
from .permissions import (
    authority_schools,
    can_accept_announcement,
    can_edit_announcement,
    can_validate_announcement,
    can_validate_in,
    can_withdraw_announcement,
    can_write_in,
)
from .queries import audience_people, validators_of

NEWS_EVENT = "announcements.news"
ALERT_EVENT = "announcements.alert"
SUBMITTED_EVENT = "announcements.submitted"
DECISION_EVENT = "announcements.decision"
TITLE_MAX = 200
BODY_MAX = 20000
# AIN-02: every item ends; a year is the longest an item may stay on the pages.
LONGEST = timedelta(days=366)


@dataclass(frozen=True)
class Draft:
    """What an author writes: the text, the window and the audience of an item."""

    title: str
    body: str = ""
    kind: str = Kind.NEWS
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duration_days: int | None = None
    whole_community: bool = False
    profiles: Sequence[str] = ()
    # Structure list keys of ent.directory.lists: "class-12-pupils", "group-3-guardians".
    lists: Sequence[str] = ()
    offered_to: Sequence[School] = field(default_factory=tuple)


def _url(announcement: Announcement) -> str:
    return reverse("announcements:detail", args=[announcement.pk])


def _tell(recipients: QuerySet[User], event: Event) -> None:
    transaction.on_commit(lambda: notify(recipients=recipients, event=event))


def _window(draft: Draft) -> tuple[datetime, datetime]:
    """Return the display window; AIN-02: an end date or a duration is mandatory."""
    now = timezone.now()
    starts_at = draft.starts_at or now
    if draft.duration_days is not None and draft.duration_days < 1:
        raise ValidationError(_("The duration is at least one day."), code="end_invalid")
    if draft.ends_at is None and not draft.duration_days:
        raise ValidationError(
            _("Give an end date or a duration: an item cannot stay on the pages forever."),
            code="end_required",
        )
    if draft.duration_days is not None and draft.duration_days > LONGEST.days:
        raise ValidationError(_("An item is shown for one year at most."), code="end_too_far")
    ends_at = draft.ends_at or starts_at + timedelta(days=draft.duration_days or 0)
    if ends_at <= starts_at:
        raise ValidationError(_("The end must come after the start."), code="end_before_start")
    if ends_at <= now:
        raise ValidationError(_("The end is already past."), code="end_past")
    if ends_at - starts_at > LONGEST:
        raise ValidationError(_("An item is shown for one year at most."), code="end_too_far")
    return starts_at, ends_at


def _text(draft: Draft) -> tuple[str, str]:
    title = draft.title.strip()
    body = clean_html(draft.body or "")
    if not title:
        raise ValidationError(_("An item needs a title."), code="title_required")
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise ValidationError(_("The title or the text is too long."), code="too_long")
    if draft.kind not in Kind.values:
        raise ValidationError(_("Choose news or alert."), code="kind")
    return title, body


def _audience(draft: Draft, school: School | None) -> list[Audience]:
    """Check and build the audience lines; AIN-01: the whole community or some groups."""
    lines: list[Audience] = []
    for profile in dict.fromkeys(draft.profiles):
        if profile not in Profile.values or profile == Profile.GST:
            raise ValidationError(_("Choose profiles from the list."), code="audience")
        lines.append(Audience(profile=profile))
    for key in dict.fromkeys(draft.lists):
        found = get_list(key)
        if found is None or school is None or found.school_id != school.pk:
            raise ValidationError(
                _("Choose classes and groups of the item's school."), code="audience"
            )
        lines.append(
            Audience(
                role=Role(found.kind),
                school_class_id=found.school_class_id,
                teaching_group_id=found.teaching_group_id,
            )
        )
    if not draft.whole_community and not lines:
        raise ValidationError(
            _("Choose who reads the item: the whole community, profiles, classes or groups."),
            code="audience",
        )
    return lines


def _check_authority(actor: User, draft: Draft) -> list[School]:
    allowed = {school.pk for school in authority_schools(actor)}
    if not allowed:
        raise PermissionDenied(_("You may not write news for the local authority."))
    offered = list(dict.fromkeys(draft.offered_to))
    if not offered or not {school.pk for school in offered} <= allowed:
        raise ValidationError(_("Choose the schools to offer the item to."), code="schools")
    if draft.lists:
        raise ValidationError(
            _("An item of the local authority goes to profiles or to the whole community."),
            code="audience",
        )
    return offered


def _fill(announcement: Announcement, draft: Draft, lines: list[Audience]) -> None:
    announcement.title, announcement.body = _text(draft)
    announcement.kind = draft.kind
    announcement.starts_at, announcement.ends_at = _window(draft)
    announcement.is_whole_community = draft.whole_community
    announcement.updated_at = timezone.now()


@transaction.atomic
def write_announcement(
    *, actor: User, school: School | None, draft: Draft, submit: bool = False
) -> Announcement:
    """Write an item for `school` (None: for the local authority) as a draft, and submit it
    for validation when asked (AIN-01)."""
    offered: list[School] = []
    if school is None:
        offered = _check_authority(actor, draft)
    elif not can_write_in(actor, school):
        raise PermissionDenied(_("You may not write news or alerts for this school."))
    lines = _audience(draft, school)
    now = timezone.now()
    announcement = Announcement(
        school=school, is_from_authority=school is None, author=actor, created_at=now
    )
    _fill(announcement, draft, lines)
    announcement.save()
    for line in lines:
        line.announcement = announcement
    Audience.objects.bulk_create(lines)
    if offered:
        announcement.offered_to.set(offered)
    record(actor=actor, action="announcements.announcement.write", target=announcement)
    if submit:
        return _submit(actor, announcement)
    return announcement


@transaction.atomic
def edit_announcement(*, actor: User, announcement: Announcement, draft: Draft) -> Announcement:
    """Change a draft or a rejected item; it goes back to draft."""
    if not can_edit_announcement(actor, announcement):
        raise PermissionDenied(_("Only the author may change a draft or a rejected item."))
    school = announcement.school
    offered = _check_authority(actor, draft) if school is None else []
    lines = _audience(draft, school)
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    _fill(announcement, draft, lines)
    announcement.status = Status.DRAFT
    announcement.save()
    announcement.audience.all().delete()
    for line in lines:
        line.announcement = announcement
    Audience.objects.bulk_create(lines)
    if offered:
        announcement.offered_to.set(offered)
    record(actor=actor, action="announcements.announcement.edit", target=announcement)
    return announcement


def _submit(actor: User, announcement: Announcement) -> Announcement:
    now = timezone.now()
    announcement.submitted_at = now
    if announcement.is_from_authority:
        # The local authority is its own editorial responsible; each school's head then
        # chooses to show the item (issue 6, item 4).
        announcement.status = Status.VALIDATED
        announcement.validated_by, announcement.validated_at = actor, now
        announcement.save(update_fields=["status", "submitted_at", "validated_by", "validated_at"])
        record(actor=actor, action="announcements.announcement.offer", target=announcement)
        heads = validators_of(list(announcement.offered_to.all()))
        title = _("News of the local authority to accept: %(title)s")
    else:
        announcement.status = Status.SUBMITTED
        announcement.save(update_fields=["status", "submitted_at"])
        record(actor=actor, action="announcements.announcement.submit", target=announcement)
        heads = validators_of([announcement.school]) if announcement.school else User.objects.none()
        title = _("News or alert to validate: %(title)s")
    _tell(
        heads.exclude(pk=actor.pk),
        Event(
            kind=SUBMITTED_EVENT,
            title=title % {"title": announcement.title},
            url=_url(announcement),
            school_id=announcement.school_id,
        ),
    )
    if announcement.is_from_authority:
        # A head who offers to their own school accepts at once.
        for school in announcement.offered_to.all():
            if can_validate_in(actor, school):
                _accept(actor, announcement, school)
    return announcement


@transaction.atomic
def submit_announcement(*, actor: User, announcement: Announcement) -> Announcement:
    """Send a draft to the school's editorial responsible (AIN-04)."""
    if not can_edit_announcement(actor, announcement):
        raise PermissionDenied(_("Only the author may submit a draft."))
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.ends_at <= timezone.now():
        raise ValidationError(_("The end is already past."), code="end_past")
    return _submit(actor, announcement)


def _publish(announcement: Announcement, schools: Iterable[School]) -> None:
    """Tell the audience in `schools` that the item is on the pages."""
    alert = announcement.kind == Kind.ALERT
    title = _("Alert: %(title)s") if alert else _("News: %(title)s")
    _tell(
        audience_people(announcement, list(schools)).exclude(pk=announcement.author_id or 0),
        Event(
            kind=ALERT_EVENT if alert else NEWS_EVENT,
            title=title % {"title": announcement.title},
            body=to_text(announcement.body)[:300],
            url=_url(announcement),
            school_id=announcement.school_id,
        ),
    )


@transaction.atomic
def validate_announcement(*, actor: User, announcement: Announcement) -> Announcement:
    """Validate a submitted item: it shows from its start to its end (AIN-04)."""
    if not can_validate_announcement(actor, announcement):
        raise PermissionDenied(
            _("Only the school's editorial responsible may validate a submitted item.")
        )
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.ends_at <= timezone.now():
        raise ValidationError(_("The end is already past."), code="end_past")
    announcement.status = Status.VALIDATED
    announcement.validated_by, announcement.validated_at = actor, timezone.now()
    announcement.rejection_reason = ""
    announcement.save(update_fields=["status", "validated_by", "validated_at", "rejection_reason"])
    record(actor=actor, action="announcements.announcement.validate", target=announcement)
    _decision(announcement, _("Your item was validated: %(title)s"))
    assert announcement.school is not None  # noqa: S101  # S101: checked by the predicate
    _publish(announcement, [announcement.school])
    return announcement


def _decision(announcement: Announcement, title: str) -> None:
    if announcement.author_id is None:
        return
    _tell(
        User.objects.filter(pk=announcement.author_id),
        Event(
            kind=DECISION_EVENT,
            title=title % {"title": announcement.title},
            url=_url(announcement),
            school_id=announcement.school_id,
        ),
    )


@transaction.atomic
def reject_announcement(
    *, actor: User, announcement: Announcement, reason: str = ""
) -> Announcement:
    """Send a submitted item back to its author, with a reason."""
    if not can_validate_announcement(actor, announcement):
        raise PermissionDenied(
            _("Only the school's editorial responsible may reject a submitted item.")
        )
    reason = reason.strip()
    if len(reason) > 2000:
        raise ValidationError(_("The reason is too long."), code="too_long")
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    announcement.status = Status.REJECTED
    announcement.rejection_reason = reason
    announcement.save(update_fields=["status", "rejection_reason"])
    record(
        actor=actor,
        action="announcements.announcement.reject",
        target=announcement,
        data={"reason": reason[:200]},
    )
    _decision(announcement, _("Your item was sent back: %(title)s"))
    return announcement


def _accept(actor: User, announcement: Announcement, school: School) -> Acceptance:
    acceptance, created = Acceptance.objects.get_or_create(
        announcement=announcement,
        school=school,
        defaults={"accepted_by": actor, "accepted_at": timezone.now()},
    )
    if created:
        record(
            actor=actor,
            action="announcements.announcement.accept",
            target=announcement,
            data={"school": school.pk},
        )
        _publish(announcement, [school])
    return acceptance


@transaction.atomic
def accept_announcement(*, actor: User, announcement: Announcement, school: School) -> Acceptance:
    """Show an item of the local authority in `school` (its head; issue 6, item 4)."""
    if not can_accept_announcement(actor, announcement, school):
        raise PermissionDenied(
            _("Only the head of a school the item is offered to may show it there.")
        )
    return _accept(actor, announcement, school)


@transaction.atomic
def withdraw_announcement(*, actor: User, announcement: Announcement) -> Announcement:
    """Take an item off every page (its author, its school's validator, a moderator)."""
    if not can_withdraw_announcement(actor, announcement):
        raise PermissionDenied(_("You may not withdraw this item."))
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    announcement.status = Status.WITHDRAWN
    announcement.save(update_fields=["status"])
    record(actor=actor, action="announcements.announcement.withdraw", target=announcement)
    return announcement


@transaction.atomic
def expire_announcements(*, actor: User | None = None) -> int:
    """Mark every item past its end as expired (AIN-02); return how many."""
    ended = Announcement.objects.filter(
        ends_at__lte=timezone.now(), status__in=[Status.VALIDATED, Status.SUBMITTED]
    )
    count = 0
    for announcement in ended.select_for_update():
        announcement.status = Status.EXPIRED
        announcement.save(update_fields=["status"])
        record(actor=actor, action="announcements.announcement.expire", target=announcement)
        count += 1
    return count
