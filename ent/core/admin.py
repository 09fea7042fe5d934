"""Admin helpers shared by the apps: operators look, actions change."""

from __future__ import annotations

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Remove add, change and delete from an admin: writes go through the apps' actions."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
