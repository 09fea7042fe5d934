from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    SUCCESS = "SUCCESS", _("success")
    FAILURE = "FAILURE", _("failure")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def about(self, target_type: str, target_id: object) -> Self:
        """Events whose target is this object."""
        return self.filter(target_type=target_type, target_id=str(target_id))

    def trail_of(self, person: models.Model) -> Self:
        """Events a person did or underwent: their whole chain, to be read in time order."""
        return self.filter(
            models.Q(actor_id=person.pk)
            | models.Q(target_type=person._meta.label_lower, target_id=str(person.pk))
        )


class AuditEvent(models.Model):
    """One security-relevant fact: who did what to which object, when, and the outcome."""

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so that the trail still names the actor after the account is purged.
    actor_label = models.CharField(_("actor label"), max_length=200)
    run_id = models.BigIntegerField(_("feed run"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=100, blank=True)
    target_label = models.CharField(_("target label"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.target_label}"


class UsageCount(models.Model):
    """How many times people of one profile opened one service in one school on one day.

    SOC-SUP-ABO usage statistics: counters, not a log of who did what, so that the figures a
    head of school reads carry no personal data. `service` "login" counts connections.
    """

    day = models.DateField(_("day"))
    # Plain ids: the audit layer sits below the directory and outlives its rows.
    school_id = models.BigIntegerField(_("school"), null=True, blank=True)
    profile = models.CharField(_("profile"), max_length=3, blank=True)
    service = models.CharField(_("service"), max_length=50)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("usage count")
        verbose_name_plural = _("usage counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "school_id", "profile", "service"],
                name="unique_usage_count",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["school_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.school_id} {self.profile} {self.service}: {self.count}"
