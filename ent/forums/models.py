"""Discussion spaces (UTI-CCO-EEC): forums of a class, a teaching group or a free community.

A space gathers two kinds of members:
- people subscribed one by one (`Subscription` with status ACTIVE): invited by a manager, or who
  joined an open space, or whose request was approved (UTI-CCO-EEC-01, -06);
- for a space attached to a class or a teaching group, the people on its structure lists
  (`ent.directory.lists`): its pupils, teachers and, when chosen, guardians. They are read live
  from the directory, so the AAF feed that moves a pupil moves them between spaces with no
  human step (UTI-CCO-EEC-13). A `Subscription` row of such a person only carries their
  preferences, or says they left.

A subscription may end on a date (`valid_until`, UTI-CCO-EEC-05): the day after, the person
no longer reads nor writes, checked every time, with no job to run. A member may suspend
delivery between two dates (UTI-CCO-EEC-06): no notification then, access unchanged.

A thread is its first post (`parent` empty); replies point at the post they answer, so the
thread shows as a tree (UTI-CCO-EEC-04). Posts are plain text, rendered by
`ent.core.html.linkify` (UTI-CCO-EEC-07). A purged author's posts stay, without a name
(UTI-CCO-EEC-10).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from ent.core.html import linkify
from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)

SERVICE = "forums"
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
SUBJECT_MAX = 200
BODY_MAX = 10000


class AccessRule(models.TextChoices):
    OPEN = "OPEN", _("open: people of the school join freely")
    APPROVAL = "APPROVAL", _("subscription with the approval of a manager")
    INVITATION = "INVITATION", _("on invitation only")


class Role(models.TextChoices):
    MEMBER = "MEMBER", _("member")
    MODERATOR = "MODERATOR", _("moderator")
    MANAGER = "MANAGER", _("manager")


class Status(models.TextChoices):
    PENDING = "PENDING", _("waiting for approval")
    ACTIVE = "ACTIVE", _("subscribed")
    LEFT = "LEFT", _("unsubscribed")


def _active(person: Any) -> bool:
    return bool(getattr(person, "is_authenticated", False) and person.is_active)


def listed_spaces_q(person: Any) -> Q:
    """Spaces whose structure lists hold `person` today, as a condition on Space."""
    enrolments = Enrolment.objects.filter(pupil=person)
    assignments = TeachingAssignment.objects.filter(teacher=person)
    wards = Guardianship.objects.filter(guardian=person).values("pupil")
    ward_enrolments = Enrolment.objects.filter(pupil__in=wards)
    return (
        Q(with_pupils=True, school_class__in=enrolments.values("school_class"))
        | Q(with_pupils=True, teaching_group__in=enrolments.values("teaching_group"))
        | Q(with_teachers=True, school_class__in=assignments.values("school_class"))
        | Q(with_teachers=True, teaching_group__in=assignments.values("teaching_group"))
        | Q(with_guardians=True, school_class__in=ward_enrolments.values("school_class"))
        | Q(with_guardians=True, teaching_group__in=ward_enrolments.values("teaching_group"))
    )


def valid_q(on: date | None = None) -> Q:
    """Subscriptions not expired on `on` (today): `valid_until` is the last day of access."""
    day = on or timezone.localdate()
    return Q(valid_until=None) | Q(valid_until__gte=day)


class SpaceQuerySet(models.QuerySet["Space"]):
    def visible_to(self, person: Any) -> Self:
        """Spaces `person` may read now: subscribed and not expired, or on one of the space's
        structure lists without having left it. Builds lazily: no query."""
        if not _active(person):
            return self.none()
        own = Subscription.objects.filter(person=person)
        subscribed = own.filter(valid_q(), status=Status.ACTIVE).values("space")
        barred = own.filter(Q(status=Status.LEFT) | ~valid_q()).values("space")
        return self.filter(Q(pk__in=subscribed) | listed_spaces_q(person)).exclude(pk__in=barred)

    def joinable_by(self, person: Any) -> Self:
        """Spaces of `person`'s schools that they may join or ask to join, not reading yet."""
        if not _active(person):
            return self.none()
        schools = Membership.objects.current().filter(person=person).values("school")
        # A request waits, and an ended or withdrawn subscription is the manager's decision.
        waiting = Subscription.objects.filter(person=person).filter(
            Q(status=Status.PENDING) | ~valid_q()
        )
        return (
            self.filter(school__in=schools, access_rule__in=(AccessRule.OPEN, AccessRule.APPROVAL))
            .exclude(pk__in=self.visible_to(person).values("pk"))
            .exclude(pk__in=waiting.values("space"))
        )


class Space(models.Model):
    """A discussion space (forum) of a school."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), blank=True)
    access_rule = models.CharField(
        _("subscription rule"),
        max_length=12,
        choices=AccessRule.choices,
        default=AccessRule.APPROVAL,
    )
    # A space of a class or a teaching group: its lists are members (UTI-CCO-EEC-13).
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    with_pupils = models.BooleanField(_("its pupils are members"), default=False)
    with_teachers = models.BooleanField(_("its teachers are members"), default=False)
    with_guardians = models.BooleanField(_("its pupils' parents are members"), default=False)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("discussion space")
        verbose_name_plural = _("discussion spaces")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None) | Q(teaching_group=None),
                name="forum_space_one_structure",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def structure(self) -> SchoolClass | TeachingGroup | None:
        return self.school_class or self.teaching_group

    @property
    def list_keys(self) -> list[str]:
        """The keys of the structure lists that are members (`ent.directory.lists`)."""
        structure = self.structure
        if structure is None:
            return []
        prefix = f"{'class' if self.school_class_id else 'group'}-{structure.pk}"
        kinds = [
            kind
            for kind, chosen in (
                ("pupils", self.with_pupils),
                ("teachers", self.with_teachers),
                ("guardians", self.with_guardians),
            )
            if chosen
        ]
        return [f"{prefix}-{kind}" for kind in kinds]


class Subscription(models.Model):
    """A person's place in a space: role, state, end date, pause window, notifications."""

    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # UTI-CCO-EEC-05: the last day the subscription gives access; empty: no end.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # UTI-CCO-EEC-06: no delivery from the first to the last day, both included.
    pause_starts_on = models.DateField(_("delivery suspended from"), null=True, blank=True)
    pause_ends_on = models.DateField(_("delivery suspended until"), null=True, blank=True)
    # UTI-CCO-EEC-11: what the member wants to hear of.
    notify_posts = models.BooleanField(_("tell me of every new message"), default=True)
    notify_replies = models.BooleanField(_("tell me of replies to my messages"), default=True)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invited by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["space", "person"], name="unique_forum_subscription"),
            models.CheckConstraint(
                condition=Q(pause_starts_on=None)
                | Q(pause_ends_on=None)
                | Q(pause_ends_on__gte=models.F("pause_starts_on")),
                name="forum_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.space_id} ({self.status})"

    def is_paused(self, on: date) -> bool:
        """Tell whether delivery is suspended on `on`."""
        return bool(
            self.pause_starts_on
            and self.pause_ends_on
            and self.pause_starts_on <= on <= self.pause_ends_on
        )

    def is_expired(self, on: date) -> bool:
        return self.valid_until is not None and self.valid_until < on


class ForumPostQuerySet(models.QuerySet["Post"]):
    def visible_to(self, person: Any) -> Self:
        """Posts of the spaces `person` may read. Builds lazily: no query."""
        return self.filter(space__in=Space.objects.visible_to(person).values("pk"))

    def threads(self) -> Self:
        """The first posts of the threads."""
        return self.filter(parent=None)


class Post(models.Model):
    """A message of a space: a thread's first post, or a reply to a post."""

    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="posts"
    )
    # The thread's first post; itself for a first post (set right after creation).
    thread = models.ForeignKey(
        "self",
        verbose_name=_("thread"),
        null=True,
        on_delete=models.CASCADE,
        related_name="thread_posts",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("answers"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    # Empty once the author's account is purged (UTI-CCO-EEC-10).
    author = models.ForeignKey(
        User, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX, blank=True)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        User, verbose_name=_("hidden by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ForumPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["space", "created_at"]),
            models.Index(fields=["thread", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject or f"post {self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def body_html(self) -> SafeString:
        """The text with clickable http(s) links, everything else escaped (UTI-CCO-EEC-07)."""
        return mark_safe(linkify(self.body))  # noqa: S308  # S308: linkify escapes the text
