"""News and alerts (UTI-CCO-AIN): an item, its audience, and the schools that accepted it.

An item shows nowhere until it is validated (AIN-04) and never after its end (AIN-02): both
rules live in `AnnouncementQuerySet.visible_to`, the one filter every page, the banner, the
API, search and notifications use.
"""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import (
    Enrolment,
    Guardianship,
    Membership,
    Profile,
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)

SERVICE = "announcements"


class Kind(models.TextChoices):
    NEWS = "NEWS", _("News")
    ALERT = "ALERT", _("Alert")


class Status(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    SUBMITTED = "SUBMITTED", _("Waiting for validation")
    VALIDATED = "VALIDATED", _("Validated")
    REJECTED = "REJECTED", _("Rejected")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    EXPIRED = "EXPIRED", _("Expired")


class Role(models.TextChoices):
    """Who of a class or teaching group an audience line reaches (the structure lists)."""

    PUPILS = "pupils", _("Pupils")
    GUARDIANS = "guardians", _("Parents")
    TEACHERS = "teachers", _("Teachers")


def schools_of(user: User) -> models.QuerySet[School]:
    """Return the schools `user` belongs to now, as staff, pupil or a pupil's guardian."""
    members = Membership.objects.current().filter(person=user).values("school_id")
    children = Guardianship.objects.filter(guardian=user).values("pupil_id")
    families = Membership.objects.current().filter(person__in=children).values("school_id")
    return School.objects.filter(Q(pk__in=members) | Q(pk__in=families))


def _reached(user: User) -> Q:
    """Return the audience lines that reach `user` (a condition on `Audience`)."""
    enrolled = Enrolment.objects.filter(pupil=user)
    children = Guardianship.objects.filter(guardian=user).values("pupil_id")
    children_enrolled = Enrolment.objects.filter(pupil__in=children)
    teaches = TeachingAssignment.objects.filter(teacher=user)
    profiles = Membership.objects.current().filter(
        person=user, profile=OuterRef("profile"), school_id=OuterRef("announcement__school_id")
    )
    # Items of the local authority have no school of their own: any school of the person counts.
    authority_profiles = Membership.objects.current().filter(
        person=user, profile=OuterRef("profile")
    )
    return (
        (~Q(profile="") & Exists(profiles))
        | (~Q(profile="") & Q(announcement__school__isnull=True) & Exists(authority_profiles))
        | (Q(profile=Profile.TUT) & Exists(children))
        | Q(role=Role.PUPILS, school_class__in=enrolled.values("school_class_id"))
        | Q(role=Role.PUPILS, teaching_group__in=enrolled.values("teaching_group_id"))
        | Q(role=Role.GUARDIANS, school_class__in=children_enrolled.values("school_class_id"))
        | Q(role=Role.GUARDIANS, teaching_group__in=children_enrolled.values("teaching_group_id"))
        | Q(role=Role.TEACHERS, school_class__in=teaches.values("school_class_id"))
        | Q(role=Role.TEACHERS, teaching_group__in=teaches.values("teaching_group_id"))
    )


class AnnouncementQuerySet(models.QuerySet["Announcement"]):
    def current(self) -> Self:
        """Keep the validated items whose display window holds now (AIN-02, AIN-04)."""
        now = timezone.now()
        return self.filter(status=Status.VALIDATED, starts_at__lte=now, ends_at__gt=now)

    def visible_to(self, user: User) -> Self:
        """Keep the current items whose audience includes `user`. This rule lives only here."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        schools = schools_of(user).values("pk")
        accepted = Acceptance.objects.filter(announcement=OuterRef("pk"), school__in=schools)
        audience = Audience.objects.filter(_reached(user), announcement=OuterRef("pk"))
        in_school = Q(school__in=schools) | Q(school__isnull=True, is_from_authority=True) & Exists(
            accepted
        )
        return (
            self.current().filter(in_school).filter(Q(is_whole_community=True) | Exists(audience))
        )

    def news(self) -> Self:
        """Keep the news items."""
        return self.filter(kind=Kind.NEWS)

    def alerts(self) -> Self:
        """Keep the alerts."""
        return self.filter(kind=Kind.ALERT)


class Announcement(models.Model):
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.NEWS)
    title = models.CharField(_("title"), max_length=200)
    # Cleaned by ent.core.html.clean_html before it is stored.
    body = models.TextField(_("text"), blank=True)
    # None: an item of the local authority, shown in the schools whose head accepted it.
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="announcements",
    )
    is_from_authority = models.BooleanField(_("from the local authority"), default=False)
    offered_to = models.ManyToManyField(
        School, verbose_name=_("offered to"), blank=True, related_name="offered_announcements"
    )
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="announcements",
    )
    is_whole_community = models.BooleanField(_("whole school community"), default=False)
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        User,
        verbose_name=_("validated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="validated_announcements",
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason of the rejection"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="announcement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False) | Q(is_from_authority=True),
                name="announcement_school_or_authority",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_at"], name="announcement_status_end"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_alert(self) -> bool:
        return self.kind == Kind.ALERT

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.REJECTED)


class Audience(models.Model):
    """One group an item is addressed to: a profile, or a role of a class or teaching group."""

    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("announcement"),
        on_delete=models.CASCADE,
        related_name="audience",
    )
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, blank=True)
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, null=True, blank=True
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        if self.profile:
            return self.get_profile_display()
        structure = self.school_class or self.teaching_group
        return f"{self.get_role_display()} {structure}"


class Acceptance(models.Model):
    """A school's head showing an item of the local authority in their school (issue 6, 4)."""

    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("announcement"),
        on_delete=models.CASCADE,
        related_name="acceptances",
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("accepted by"), on_delete=models.SET_NULL, null=True
    )
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "school"], name="announcement_accepted_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.announcement} → {self.school}"
