"""Operators' view of feed runs: status, counts, quarantine and the replay button."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ent.core.admin import ReadOnlyAdminMixin

from .actions import RunError, replay_run
from .models import FeedLot, FeedRun, QuarantinedRecord, QuarantineStatus


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: shared by several models
    """A read-only model admin."""


class LotInline(admin.TabularInline):  # type: ignore[type-arg]  # type-arg: inline of FeedLot
    model = FeedLot
    fields = ("number", "kind", "size", "status", "attempts", "error", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(FeedRun)
class FeedRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "started_at", "mode", "status", "source", "open_quarantine")
    list_filter = ("status", "mode")
    readonly_fields = (
        "feed",
        "source",
        "mode",
        "status",
        "is_dry_run",
        "started_at",
        "finished_at",
        "plan",
        "report",
        "error",
    )
    exclude = ("content_digest", "actor")
    inlines = [LotInline]
    actions = ["replay"]

    @admin.display(description=_("open quarantine"))
    def open_quarantine(self, run: FeedRun) -> int:
        return int(getattr(run, "open_quarantine_count", 0))

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeedRun]:
        # One count per page, not one query per row.
        still_open = Q(quarantine__status=QuarantineStatus.OPEN)
        runs: QuerySet[FeedRun] = super().get_queryset(request)
        return runs.annotate(open_quarantine_count=Count("quarantine", filter=still_open))

    @admin.action(description=_("Replay failed lots and quarantined records"), permissions=["view"])
    def replay(self, request: HttpRequest, queryset: QuerySet[FeedRun]) -> None:
        actor = request.user if request.user.is_authenticated else None
        for run in queryset.order_by("pk"):
            try:
                replayed = replay_run(actor=actor, run=run)
            except RunError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            self.message_user(
                request,
                gettext("Run %(run)s replayed: %(status)s, %(open)d record(s) still in quarantine.")
                % {
                    "run": run.pk,
                    "status": replayed.get_status_display(),
                    "open": replayed.quarantine.open().count(),
                },
            )


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "run",
        "kind",
        "status",
        "record_kind",
        "key",
        "file",
        "index",
        "reason",
    )
    list_filter = ("status", "kind", "record_kind")
    search_fields = ("key", "reason", "file")
