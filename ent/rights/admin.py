"""Operators' admin of rights: look up grants, delegations, shares and rules; revoke through
the actions (school administrators work in the back-office instead)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ent.core.admin import ReadOnlyAdminMixin

from .actions import resume_grant, revoke_delegation, revoke_grant, suspend_grant
from .models import CommunicationRule, Delegation, DetailVisibility, ServiceGrant, Share


@admin.register(ServiceGrant)
class ServiceGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = (
        "service",
        "level",
        "grantee_label",
        "school",
        "starts_at",
        "ends_at",
        "is_default",
        "suspended_at",
        "revoked_at",
    )
    list_filter = ("service", "level", "profile", "is_default")
    list_select_related = ("school",)
    search_fields = ("service", "function", "person__login", "school__uai")
    actions = ("suspend", "resume", "revoke")

    @admin.action(description=_("Suspend the selected grants"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[ServiceGrant]) -> None:
        for grant in queryset:
            suspend_grant(actor=request.user, grant=grant)  # type: ignore[arg-type]  # arg-type: admin users are Users
        messages.success(request, _("Grants suspended."))

    @admin.action(description=_("Resume the selected grants"))
    def resume(self, request: HttpRequest, queryset: QuerySet[ServiceGrant]) -> None:
        for grant in queryset:
            resume_grant(actor=request.user, grant=grant)  # type: ignore[arg-type]  # arg-type: admin users are Users
        messages.success(request, _("Grants resumed."))

    @admin.action(description=_("Revoke the selected grants"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ServiceGrant]) -> None:
        for grant in queryset:
            revoke_grant(actor=request.user, grant=grant)  # type: ignore[arg-type]  # arg-type: admin users are Users
        messages.success(request, _("Grants revoked."))

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Admin actions need the change permission; the change form stays read-only.
        return obj is None and request.user.has_perm("rights.change_servicegrant")


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = (
        "delegator",
        "delegate",
        "school",
        "service",
        "level",
        "starts_at",
        "ends_at",
        "revoked_at",
    )
    list_select_related = ("delegator", "delegate", "school")
    search_fields = ("delegator__login", "delegate__login", "school__uai", "service")
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected delegations"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Delegation]) -> None:
        for delegation in queryset:
            revoke_delegation(actor=request.user, delegation=delegation)  # type: ignore[arg-type]  # arg-type: admin users are Users
        messages.success(request, _("Delegations revoked."))

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and request.user.has_perm("rights.change_delegation")


@admin.register(Share)
class ShareAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("content_type", "object_id", "grantee_key", "role", "ends_at", "created_at")
    list_filter = ("content_type", "role")
    search_fields = ("=object_id", "=grantee_key")


@admin.register(CommunicationRule)
class CommunicationRuleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("school", "viewer_profile", "audience", "may_see", "may_write", "updated_at")
    list_filter = ("viewer_profile", "audience")


@admin.register(DetailVisibility)
class DetailVisibilityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("person", "field", "audience", "updated_at")
    search_fields = ("person__login",)
