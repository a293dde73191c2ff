"""Bulk decisions in the admin: read-only (each result is evidence of what was decided, and the
decisions themselves are in each invoice's history). Registered by invoices/admin.py."""

from __future__ import annotations

from django.contrib import admin

from chorus.admin import ReadOnlyModelAdmin
from invoices.bulk.models import BulkDecision, BulkDecisionItem


class BulkDecisionItemInline(admin.TabularInline):
    model = BulkDecisionItem
    fields = ["position", "invoice", "seen_status", "result", "message", "done_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(BulkDecision)
class BulkDecisionAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "agent", "target", "reason", "item_count", "state", "created_at"]
    list_filter = ["state", "target"]
    search_fields = ["agent__email"]
    list_select_related = ["agent", "reason"]
    inlines = [BulkDecisionItemInline]
