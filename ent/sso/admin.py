"""Operators' admin of single sign-on: the service registry (approve, disable), and read-only
views of per-service identifiers, CAS tickets and service logins. SOC-SEC-PII-04: an operator
finds who a service's identifier or ticket stands for by searching here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ent.core.admin import ReadOnlyAdminMixin

from .actions import approve_service, disable_service
from .models import CasTicket, Service, ServiceLogin, ServiceSubject

PERSON_SEARCH = ("person__login", "person__first_name", "person__last_name", "=person__uuid")


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]  # type-arg: shared by several models
    """A read-only model admin: writes go through the actions."""


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "protocol",
        "url_pattern",
        "entity_id",
        "subject_kind",
        "min_level",
        "approved",
        "approved_at",
    )
    list_filter = ("protocol", "is_enabled", "subject_kind")
    search_fields = ("name", "url_pattern", "entity_id", "client_id")
    exclude = ("metadata_xml",)
    readonly_fields = (
        "name",
        "protocol",
        "url_pattern",
        "attributes",
        "subject_kind",
        "min_level",
        "logout_url",
        "entity_id",
        "attribute_profile",
        "client_id",
        "is_enabled",
        "approved_at",
        "approved_by",
        "created_at",
    )
    actions = ["approve", "disable"]

    @admin.display(description=_("approved"), boolean=True)
    def approved(self, service: Service) -> bool:
        return service.is_approved

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("sso.change_service")

    @admin.action(description=_("Approve the selected services"), permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        for service in queryset.order_by("pk"):
            approve_service(actor=request.user, service=service)  # type: ignore[arg-type]  # arg-type: the admin is signed in
        self.message_user(request, gettext("Services approved."), messages.SUCCESS)

    @admin.action(description=_("Disable the selected services"), permissions=["approve"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        for service in queryset.order_by("pk"):
            disable_service(actor=request.user, service=service)  # type: ignore[arg-type]  # arg-type: the admin is signed in
        self.message_user(request, gettext("Services disabled."), messages.SUCCESS)


@admin.register(ServiceSubject)
class ServiceSubjectAdmin(ReadOnlyAdmin):
    list_display = ("value", "service", "person", "created_at")
    list_filter = ("service",)
    search_fields = ("=value", *PERSON_SEARCH)
    list_select_related = ("service", "person")
    readonly_fields = ("service", "person", "value", "created_at")


@admin.register(CasTicket)
class CasTicketAdmin(ReadOnlyAdmin):
    list_display = (
        "short_ticket",
        "kind",
        "service",
        "person",
        "created_at",
        "expires_at",
        "consumed_at",
    )
    list_filter = ("kind", "service")
    # Exact match only: an operator pastes a ticket from a service's log to find its owner.
    search_fields = ("=ticket", *PERSON_SEARCH)
    list_select_related = ("service", "person")
    date_hierarchy = "created_at"
    # The ticket itself stays out of the page: a proxy-granting ticket is a live credential.
    exclude = ("ticket", "pgt_iou", "session_key")
    readonly_fields = (
        "short_ticket",
        "kind",
        "service",
        "service_url",
        "person",
        "is_renewed",
        "level",
        "method",
        "granted_by",
        "proxies",
        "created_at",
        "expires_at",
        "consumed_at",
    )

    @admin.display(description=_("ticket"))
    def short_ticket(self, ticket: CasTicket) -> str:
        return ticket.ticket[:12] + "…"


@admin.register(ServiceLogin)
class ServiceLoginAdmin(ReadOnlyAdmin):
    list_display = ("service", "person", "created_at", "logged_out_at", "logout_outcome")
    list_filter = ("service",)
    search_fields = PERSON_SEARCH
    list_select_related = ("service", "person")
    date_hierarchy = "created_at"
    exclude = ("session_key", "data")
    readonly_fields = ("service", "person", "created_at", "logged_out_at", "logout_outcome")
