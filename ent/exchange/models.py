"""Feed runs: what was read, the plan, the lots applied and the records set aside."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    ANALYSING = "ANALYSING", _("analysing")
    PLANNED = "PLANNED", _("planned")
    APPLYING = "APPLYING", _("applying")
    DONE = "DONE", _("done")
    DONE_WITH_ERRORS = "DONE_WITH_ERRORS", _("done, records in quarantine")
    FAILED = "FAILED", _("failed")


class Mode(models.TextChoices):
    COMPLET = "COMPLET", _("complete")
    DELTA = "DELTA", _("delta")


class Plan(models.TextChoices):
    CREATE = "CREATE", _("create")
    UPDATE = "UPDATE", _("update")
    UNCHANGED = "UNCHANGED", _("unchanged")
    DELETE = "DELETE", _("delete")


class FeedRunQuerySet(models.QuerySet["FeedRun"]):
    def unfinished(self) -> Self:
        """Runs stopped before their end, which `resume` can take up again."""
        return self.filter(status__in=[RunStatus.ANALYSING, RunStatus.APPLYING], is_dry_run=False)


class FeedRun(models.Model):
    """One import of one export, from analysis to its last lot."""

    feed = models.CharField(_("feed"), max_length=20, default="aaf")
    source = models.CharField(_("source"), max_length=500)
    content_digest = models.CharField(_("content digest"), max_length=64, db_index=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    status = models.CharField(_("status"), max_length=20, choices=RunStatus.choices)
    is_dry_run = models.BooleanField(_("dry run"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # {"school": {"CREATE": 2, …}, …}: what the plan announced.
    plan = models.JSONField(_("plan"), default=dict, blank=True)
    # Counts applied, warnings, unknown attributes: what happened.
    report = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = FeedRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")

    def __str__(self) -> str:
        return f"{self.feed} run {self.pk} ({self.mode}, {self.status})"


class StagedRecord(models.Model):
    """A record read and checked during analysis, waiting for its lot to be applied."""

    run = models.ForeignKey(FeedRun, on_delete=models.CASCADE, related_name="records")
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=20)
    operation = models.CharField(_("operation"), max_length=10)
    key = models.CharField(_("key"), max_length=128)
    file = models.CharField(_("file"), max_length=300)
    index = models.PositiveIntegerField(_("record in file"))
    plan = models.CharField(_("plan"), max_length=10, choices=Plan.choices)
    digest = models.CharField(_("digest"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)

    class Meta:
        verbose_name = _("staged record")
        verbose_name_plural = _("staged records")
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_staged_seq")]
        indexes = [models.Index(fields=["run", "kind", "key"])]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} {self.kind} {self.key}"


class LotStatus(models.TextChoices):
    PENDING = "PENDING", _("pending")
    DONE = "DONE", _("done")
    FAILED = "FAILED", _("failed")


class FeedLot(models.Model):
    """A slice of a run applied in one transaction: the checkpoint of a resumable run."""

    run = models.ForeignKey(FeedRun, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20)
    first_seq = models.PositiveIntegerField(_("first record"))
    last_seq = models.PositiveIntegerField(_("last record"))
    size = models.PositiveIntegerField(_("records"))
    status = models.CharField(
        _("status"), max_length=10, choices=LotStatus.choices, default=LotStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="unique_lot")]

    def __str__(self) -> str:
        return f"lot {self.number} of run {self.run_id} ({self.status})"


class QuarantineKind(models.TextChoices):
    REJECTED = "REJECTED", _("rejected: not applied")
    PARTIAL = "PARTIAL", _("applied without some references")


class QuarantineStatus(models.TextChoices):
    OPEN = "OPEN", _("open")
    RESOLVED = "RESOLVED", _("resolved")
    DISMISSED = "DISMISSED", _("dismissed")


class QuarantinedRecordQuerySet(models.QuerySet["QuarantinedRecord"]):
    def open(self) -> Self:
        """Records still waiting for a replay or a decision."""
        return self.filter(status=QuarantineStatus.OPEN)


class QuarantinedRecord(models.Model):
    """A record set aside with its diagnostic (SOC-INT-IED-02), until a replay resolves it."""

    run = models.ForeignKey(FeedRun, on_delete=models.CASCADE, related_name="quarantine")
    kind = models.CharField(_("kind"), max_length=10, choices=QuarantineKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=QuarantineStatus.choices, default=QuarantineStatus.OPEN
    )
    record_kind = models.CharField(_("record kind"), max_length=20, blank=True)
    operation = models.CharField(_("operation"), max_length=10, blank=True)
    key = models.CharField(_("key"), max_length=128, blank=True)
    file = models.CharField(_("file"), max_length=300)
    index = models.PositiveIntegerField(_("record in file"))
    reason = models.TextField(_("reason"))
    payload = models.JSONField(_("payload"), null=True, blank=True)
    raw = models.JSONField(_("attributes as read"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("replays"), default=0)

    objects = QuarantinedRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarantined record")
        verbose_name_plural = _("quarantined records")

    def __str__(self) -> str:
        return f"{self.file} #{self.index} {self.key}: {self.reason}"
