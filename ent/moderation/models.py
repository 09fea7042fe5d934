"""Reports: a person says that a message, post or comment should not be there."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ent.directory.models import User

REASON_MAX = 2000
NOTE_MAX = 2000


class Status(models.TextChoices):
    OPEN = "OPEN", _("Open")
    HIDDEN = "HIDDEN", _("Content hidden")
    DISMISSED = "DISMISSED", _("Dismissed")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> Self:
        """Keep the reports that wait for a moderator."""
        return self.filter(status=Status.OPEN)

    def about(self, kind: str, object_id: int) -> Self:
        """Keep the reports on one object."""
        return self.filter(kind=kind, object_id=object_id)


class Report(models.Model):
    kind = models.CharField(_("kind of content"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("content"))
    # What the content was called when reported: the list stays readable once it is hidden.
    object_label = models.CharField(_("content title"), max_length=300, blank=True)
    reporter = models.ForeignKey(
        User,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="moderation_reports",
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    created_at = models.DateTimeField(_("reported at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_decisions",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("moderator's note"), blank=True, max_length=NOTE_MAX)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "kind", "object_id"],
                condition=Q(status="OPEN"),
                name="moderation_one_open_report_per_person",
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="moderation_report_object")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN
