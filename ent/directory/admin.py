"""Operators' admin of the directory: look up people, schools and classes (read-only)."""

from __future__ import annotations

from django.contrib import admin

from ent.core.admin import ReadOnlyAdminMixin

from .models import ExternalId, Membership, School, SchoolClass, User


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]  # type-arg: inline
    model = Membership
    fields = ("school", "profile", "functions", "starts_on", "ends_on", "source")
    readonly_fields = fields
    extra = 0


class ExternalIdInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]  # type-arg: inline
    model = ExternalId
    fields = ("source", "value", "last_seen_run")
    readonly_fields = fields
    extra = 0


@admin.register(User)
class UserAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("login", "first_name", "last_name", "is_active", "deactivated_at", "purged_at")
    list_filter = ("is_active", "memberships__profile")
    search_fields = ("login", "first_name", "last_name", "=uuid", "=external_ids__value")
    exclude = ("password",)
    readonly_fields = (
        "uuid",
        "login",
        "login_base",
        "first_name",
        "last_name",
        "is_active",
        "deactivated_at",
        "purged_at",
        "is_retained",
        "created_at",
        "last_login",
    )
    fields = readonly_fields
    inlines = [ExternalIdInline, MembershipInline]


@admin.register(School)
class SchoolAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("uai", "name", "kind", "degree", "academy", "is_active")
    list_filter = ("degree", "kind", "is_active")
    search_fields = ("uai", "name", "joint_key")


@admin.register(SchoolClass)
class SchoolClassAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("code", "label", "school")
    search_fields = ("code", "label", "school__uai")
    list_select_related = ("school",)
