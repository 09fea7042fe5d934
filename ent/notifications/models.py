"""Notifications (UTI-UTL-NOT): the in-app feed, each person's channel choices, the school's
channel policy, and the record of every delivery outside the ENT."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import School, User

from .events import CHANNEL_LABELS, CHANNELS

CHANNEL_CHOICES = [(code, CHANNEL_LABELS[code]) for code in CHANNELS]


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User) -> Self:
        """Notifications `user` may read: their own, and nobody else's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> Self:
        """Notifications not read yet."""
        return self.filter(read_at=None)


class Notification(models.Model):
    """One event told to one person: a line of their in-app feed."""

    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Every notification of one `notify()` call shares a batch: its delivery task takes it.
    batch = models.UUIDField(_("batch"), db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class ChannelPreference(models.Model):
    """A person's choice for one kind of event (or "*": every kind) on one channel."""

    person = models.ForeignKey(
        User,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    is_enabled = models.BooleanField(_("enabled"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "channel"], name="unique_channel_preference"
            )
        ]

    def __str__(self) -> str:
        state = "on" if self.is_enabled else "off"
        return f"{self.person_id} {self.kind} {self.channel} {state}"


class SchoolChannelPolicy(models.Model):
    """The profiles a school lets a channel reach; no profile at all forbids the channel."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="notification_policies",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    allowed_profiles = models.JSONField(_("allowed profiles"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("school channel policy")
        verbose_name_plural = _("school channel policies")
        constraints = [
            models.UniqueConstraint(fields=["school", "channel"], name="unique_channel_policy")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.channel}: {','.join(self.allowed_profiles)}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "QUEUED", _("queued")
    SENT = "SENT", _("sent")
    FAILED = "FAILED", _("failed")
    SKIPPED = "SKIPPED", _("skipped")


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def retryable(self, max_attempts: int) -> Self:
        """Failed deliveries that may be tried again."""
        return self.filter(status=DeliveryStatus.FAILED, attempts__lt=max_attempts)


class Delivery(models.Model):
    """One notification sent (or not) on one channel outside the ENT: failures stay visible."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A stable code ("forbidden", "no_phone", "not_configured") or the gateway's error.
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="unique_delivery")
        ]
        indexes = [
            models.Index(
                fields=["status", "attempts"],
                name="delivery_failed",
                condition=Q(status="FAILED"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class PushSubscription(models.Model):
    """A browser's or the mobile app's Web Push subscription (RFC 8030 endpoint and keys)."""

    person = models.ForeignKey(
        User,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.person_id} push"


class LastDigest(models.Model):
    """Up to when a person's e-mail digest has covered their notifications."""

    person = models.OneToOneField(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    covered_until = models.DateTimeField(_("covered until"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("last digest")
        verbose_name_plural = _("last digests")

    def __str__(self) -> str:
        return f"{self.person_id} until {self.covered_until:%Y-%m-%d %H:%M}"
