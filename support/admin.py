"""Tickets in Django admin: search, filters, the conversation inline. Read-only on purpose:
statuses change through the portal's services, which record and e-mail every step."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chorus.admin import ReadOnlyInline
from support.models import Ticket, TicketAttachment, TicketMessage


class TicketMessageInline(ReadOnlyInline):
    model = TicketMessage
    fields = ("created_at", "action", "side", "author", "status_before", "status_after", "body")
    readonly_fields = fields


class TicketAttachmentInline(ReadOnlyInline):
    model = TicketAttachment
    fields = ("name", "size", "message", "uploaded_at")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "title",
        "status",
        "category",
        "queue",
        "recipient_service",
        "asked_by",
        "sent_at",
        "last_activity_at",
    )
    list_filter = ("status", "queue", "category", "sent_at")
    search_fields = (
        "number",
        "title",
        "email",
        "sender__email",
        "sender__last_name",
        "invoice_number",
        "recipient_service__code",
    )
    list_select_related = ("sender", "recipient_service")
    date_hierarchy = "created_at"
    ordering = ("-last_activity_at",)
    inlines = (TicketMessageInline, TicketAttachmentInline)
    fields = (
        ("number", "status"),
        ("category", "subcategory"),
        "title",
        "description",
        ("sender", "email", "sender_structure", "language"),
        ("queue", "recipient_structure", "recipient_service"),
        ("invoice_number", "invoice_status"),
        "invoice_reason",
        ("created_at", "sent_at", "closed_at", "last_activity_at"),
    )
    readonly_fields = tuple(
        name for row in fields for name in (row if isinstance(row, tuple) else (row,))
    )

    @admin.display(description=_("demandeur"), ordering="sender__email")
    def asked_by(self, ticket: Ticket) -> str:
        return ticket.sender.email if ticket.sender else ticket.email

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
