"""Bulk decisions in the admin: read-only (each result is evidence of what was decided, and the
decisions themselves are in each invoice's history). Registered by invoices/admin.py."""

from __future__ import annotations

from django.contrib import admin

from chorus.admin import ReadOnlyInline, ReadOnlyModelAdmin
from invoices.bulk.models import BulkDecision, BulkDecisionItem


class BulkDecisionItemInline(ReadOnlyInline):
    model = BulkDecisionItem
    readonly_fields = ("position", "invoice", "seen_status", "result", "message", "done_at")
    fields = readonly_fields
    show_change_link = False


@admin.register(BulkDecision)
class BulkDecisionAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "agent", "target", "reason", "item_count", "state", "created_at"]
    list_filter = ["state", "target"]
    search_fields = ["agent__email"]
    list_select_related = ["agent", "reason"]
    inlines = [BulkDecisionItemInline]
