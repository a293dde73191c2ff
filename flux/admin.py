"""Flux in the admin: read-only (a flux is evidence of what was received)."""

from __future__ import annotations

from django.contrib import admin

from chorus.admin import ReadOnlyInline, ReadOnlyModelAdmin
from flux.models import Flux, FluxItem


class FluxItemInline(ReadOnlyInline):
    model = FluxItem
    fields = ("position", "name", "number", "result", "invoice", "errors")
    readonly_fields = fields
    show_change_link = False


@admin.register(Flux)
class FluxAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "original_name", "supplier", "kind", "status", "item_count",
                    "integrated_count", "rejected_count", "received_at"]  # fmt: skip
    list_filter = ["status", "kind"]
    search_fields = ["original_name", "sha256", "supplier__name", "supplier__identifier"]
    list_select_related = ["supplier"]
    inlines = [FluxItemInline]
