"""Grants of services (habilitations), delegations, shares and communication rules.

Other apps never query these tables: they ask `ent.rights.queries` and
`ent.rights.communication`, and write through `ent.rights.actions`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import Profile, School, SchoolClass, TeachingGroup

from .registry import Level


def _in_force(at: datetime | None) -> Q:
    """Rows whose window [starts_at, ends_at) contains `at` (now by default)."""
    moment = at or timezone.now()
    return (Q(starts_at=None) | Q(starts_at__lte=moment)) & (
        Q(ends_at=None) | Q(ends_at__gt=moment)
    )


class ServiceGrantQuerySet(models.QuerySet["ServiceGrant"]):
    def in_force(self, at: datetime | None = None) -> Self:
        """Grants neither revoked nor suspended whose validity window contains `at`."""
        return self.filter(_in_force(at), revoked_at=None, suspended_at=None)

    def not_revoked(self) -> Self:
        """Grants still on record as given (suspended or future ones included)."""
        return self.filter(revoked_at=None)


class ServiceGrant(models.Model):
    """A service granted to a profile, an AAF function, a class, a teaching group or a person.

    `school` null means the whole project: the grant then applies in every school where the
    grantee holds the role. `ends_at` is exclusive; null bounds are open.
    """

    service = models.CharField(_("service"), max_length=50)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.USE)
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices, blank=True)
    function = models.CharField(_("function code"), max_length=50, blank=True)
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
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_grants",
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the whole project."),
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    is_default = models.BooleanField(_("installed by default"), default=False)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ServiceGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("service grant")
        verbose_name_plural = _("service grants")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(~Q(profile=""), function="", school_class=None, teaching_group=None)
                    & Q(person=None)
                )
                | Q(
                    ~Q(function=""), profile="", school_class=None, teaching_group=None, person=None
                )
                | Q(school_class__isnull=False, profile="", function="")
                & Q(teaching_group=None, person=None)
                | Q(teaching_group__isnull=False, profile="", function="")
                & Q(school_class=None, person=None)
                | Q(person__isnull=False, profile="", function="")
                & Q(school_class=None, teaching_group=None),
                name="rights_grant_one_grantee",
            ),
            models.CheckConstraint(
                condition=Q(ends_at=None)
                | Q(starts_at=None)
                | Q(ends_at__gt=models.F("starts_at")),
                name="rights_grant_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["profile", "service"], name="rights_grant_profile"),
            models.Index(fields=["function", "service"], name="rights_grant_function"),
            models.Index(fields=["service", "school"], name="rights_grant_service"),
        ]

    def __str__(self) -> str:
        return f"{self.service} ({self.get_level_display()}) → {self.grantee_label}"

    @property
    def grantee_label(self) -> str:
        """Name the grantee without a query when its foreign keys are loaded."""
        if self.profile:
            return str(self.get_profile_display())
        if self.function:
            return f"function {self.function}"
        if self.person_id:
            return f"person {self.person_id}"
        if self.school_class_id:
            return f"class {self.school_class_id}"
        return f"group {self.teaching_group_id}"


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def in_force(self, at: datetime | None = None) -> Self:
        """Delegations not revoked whose window contains `at`."""
        return self.filter(_in_force(at), revoked_at=None)


class Delegation(models.Model):
    """A person lends their own right on a service in one school to another, for a while."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegator"),
        on_delete=models.CASCADE,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="delegations_received",
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.CharField(_("service"), max_length=50)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.MANAGE
    )
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at=None) | Q(ends_at__gt=models.F("starts_at")),
                name="rights_delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="rights_delegation_not_self"
            ),
        ]
        indexes = [models.Index(fields=["delegate", "service"], name="rights_delegation_delegate")]

    def __str__(self) -> str:
        return f"{self.delegator_id} → {self.delegate_id}: {self.service} @ {self.school_id}"


class ShareRole(models.IntegerChoices):
    """What a share allows; each role includes the ones below it."""

    READ = 10, _("read")
    COMMENT = 20, _("comment")
    CONTRIBUTE = 30, _("contribute")
    PUBLISH = 40, _("publish")
    MANAGE = 50, _("manage")


class Share(models.Model):
    """A resource of any app shared with a person, a class, a teaching group or a profile.

    One table for every service: "shared with me" is one indexed query, not one per app.
    `grantee_key` ("person:12", "class:3", "group:4", "profile:ELV@5") makes a grantee unique
    per resource on both engines, where nullable columns would not.
    """

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("resource type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(_("resource key"), max_length=64)
    grantee_key = models.CharField(_("grantee key"), max_length=40)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shares_received",
    )
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
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices, blank=True)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    role = models.PositiveSmallIntegerField(_("role"), choices=ShareRole.choices)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "grantee_key"], name="rights_share_unique"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False, school_class=None, teaching_group=None)
                & Q(profile="", school=None)
                | Q(school_class__isnull=False, person=None, teaching_group=None)
                & Q(profile="", school=None)
                | Q(teaching_group__isnull=False, person=None, school_class=None)
                & Q(profile="", school=None)
                | Q(~Q(profile=""), school__isnull=False, person=None)
                & Q(school_class=None, teaching_group=None),
                name="rights_share_one_grantee",
            ),
        ]
        # "Shared with me": each branch of the OR reads one of these.
        indexes = [
            models.Index(fields=["person", "content_type"], name="rights_share_person"),
            models.Index(fields=["school_class", "content_type"], name="rights_share_class"),
            models.Index(fields=["teaching_group", "content_type"], name="rights_share_group"),
            models.Index(fields=["school", "profile", "content_type"], name="rights_share_profile"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} → {self.grantee_key} ({self.role})"


class Audience(models.TextChoices):
    """Whom a communication rule lets a viewer see, relative to the viewer's own links."""

    FAMILY = "FAMILY", _("their children or their guardians")
    CLASSMATES = "CLASSMATES", _("pupils of the same classes and groups")
    TEACHERS = "TEACHERS", _("teachers of the pupils' classes and groups")
    HEAD_TEACHERS = "HEAD_TEACHERS", _("head teachers of the pupils' classes")
    STAFF = "STAFF", _("the school's staff")
    SCHOOL = "SCHOOL", _("everyone in the school")


class CommunicationRule(models.Model):
    """Override of a default rule: may people of `viewer_profile` see and write to `audience`.

    `school` null sets the project's rule; a school's own rule wins over it.
    """

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    viewer_profile = models.CharField(_("viewer profile"), max_length=3, choices=Profile.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    may_see = models.BooleanField(_("may see"))
    may_write = models.BooleanField(_("may write"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("communication rule")
        verbose_name_plural = _("communication rules")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "viewer_profile", "audience"],
                condition=Q(school__isnull=False),
                name="rights_rule_unique_school",
            ),
            models.UniqueConstraint(
                fields=["viewer_profile", "audience"],
                condition=Q(school=None),
                name="rights_rule_unique_project",
            ),
            models.CheckConstraint(
                condition=Q(may_write=False) | Q(may_see=True), name="rights_rule_write_sees"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_profile} → {self.audience} @ {self.school_id or '*'}"


class DetailField(models.TextChoices):
    """Personal details whose visibility each person chooses (UTI-IDO-PBL-04)."""

    EMAIL = "email", _("e-mail")
    PHONE_HOME = "phone_home", _("home phone")
    PHONE_MOBILE = "phone_mobile", _("mobile phone")
    PHONE_WORK = "phone_work", _("work phone")
    ADDRESS = "address", _("address")
    BIRTH_DATE = "birth_date", _("birth date")


class DetailAudience(models.TextChoices):
    NOBODY = "NOBODY", _("nobody")
    STAFF = "STAFF", _("staff of my schools")
    CONTACTS = "CONTACTS", _("everyone who may see me")


class DetailVisibility(models.Model):
    """A person's choice of who sees one of their details; absent rows use the defaults."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="detail_visibilities",
    )
    field = models.CharField(_("detail"), max_length=20, choices=DetailField.choices)
    audience = models.CharField(_("visible to"), max_length=10, choices=DetailAudience.choices)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("detail visibility")
        verbose_name_plural = _("detail visibilities")
        constraints = [
            models.UniqueConstraint(fields=["person", "field"], name="rights_detail_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.field}: {self.audience}"
