"""Operators' admin of sign-in security: failures, locks (which they may lift), sessions and
one-time-code generators (which they may remove). Everything else is read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ent.core.admin import ReadOnlyAdminMixin

from .actions import lift_lockout, remove_totp_device
from .models import Lockout, LoginFailure, TotpDevice, UserSession


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("at", "login", "reason", "address", "person")
    list_filter = ("reason",)
    search_fields = ("login", "=address")
    date_hierarchy = "at"
    list_select_related = ("person",)


@admin.register(Lockout)
class LockoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("scope", "key", "failures", "locked_at", "until", "alerted_at", "lifted_at")
    list_filter = ("scope",)
    search_fields = ("key",)
    date_hierarchy = "locked_at"
    actions = ["lift"]

    @admin.action(description=_("Lift the selected locks"), permissions=["lift"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Lockout]) -> None:
        holding = queryset.filter(lifted_at__isnull=True, until__gt=timezone.now())
        count = 0
        for lockout in holding:
            lift_lockout(actor=request.user, lockout=lockout)  # type: ignore[arg-type]  # arg-type: the admin's user is signed in
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", count) % {"count": count},
            messages.SUCCESS,
        )

    def has_lift_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("identity.change_lockout")


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("person", "channel", "method", "level", "address", "started_at", "ended_at")
    list_filter = ("channel", "method", "level", "end_reason")
    search_fields = ("person__login", "=address")
    date_hierarchy = "started_at"
    list_select_related = ("person",)
    exclude = ("session_key",)


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: mixin order
    list_display = ("person", "created_at", "confirmed_at")
    search_fields = ("person__login",)
    list_select_related = ("person",)
    # The secret never shows, even encrypted.
    fields = ("person", "created_at", "confirmed_at")
    actions = ["remove"]

    @admin.action(
        description=_("Remove the selected generators (phone lost or replaced)"),
        permissions=["remove"],
    )
    def remove(self, request: HttpRequest, queryset: QuerySet[TotpDevice]) -> None:
        count = 0
        for device in queryset.select_related("person"):
            count += remove_totp_device(actor=request.user, person=device.person)  # type: ignore[arg-type]  # arg-type: the admin's user is signed in
        self.message_user(
            request,
            ngettext("%(count)d generator removed.", "%(count)d generators removed.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("identity.delete_totpdevice")
