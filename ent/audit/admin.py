from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only trail for operators holding audit.view_auditevent (SOC-SEC-APS-03)."""

    list_display = ("at", "actor_label", "action", "target_label", "outcome", "run_id")
    list_filter = ("outcome", "action")
    search_fields = ("actor_label", "action", "target_label", "target_id")
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
