"""Flux in the admin: read-only (a flux is evidence of what was received)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from flux.models import Flux, FluxItem


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class FluxItemInline(admin.TabularInline):
    model = FluxItem
    fields = ["position", "name", "number", "result", "invoice", "errors"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Flux)
class FluxAdmin(ReadOnly):
    list_display = ["id", "original_name", "supplier", "kind", "status", "item_count",
                    "integrated_count", "rejected_count", "received_at"]  # fmt: skip
    list_filter = ["status", "kind"]
    search_fields = ["original_name", "sha256", "supplier__name", "supplier__identifier"]
    list_select_related = ["supplier"]
    inlines = [FluxItemInline]
