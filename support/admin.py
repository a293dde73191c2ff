"""Tickets in Django admin: search, filters, the conversation inline. Read-only on purpose:
statuses change through the portal's services, which record and e-mail every step."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from structures import selectors as structure_selectors
from structures.errors import StructureError
from support import services
from support.models import Ticket, TicketAttachment, TicketMessage
from support.services import PRINCIPAL_CATEGORY, TicketActionRefused


class AppointForm(forms.Form):
    membership = forms.ModelChoiceField(
        label=_("Nouveau gestionnaire principal"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, structure, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = structure_selectors.appointable_members(structure)  # type: ignore[attr-defined]
        field.label_from_instance = _member_label  # type: ignore[attr-defined]


def _member_label(membership) -> str:  # type: ignore[no-untyped-def]
    who = membership.user.get_full_name() or membership.user.email
    state = (
        membership.get_role_display()
        if membership.status == "APPROVED"
        else gettext("demande en attente depuis le %(date)s")
        % {"date": membership.requested_at.date().isoformat()}
    )
    return f"{who} <{membership.user.email}> — {state}"


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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

    actions = ("appoint_principal",)

    @admin.action(description=_("Nommer un gestionnaire principal (structure du demandeur)"))
    def appoint_principal(self, request: HttpRequest, queryset: QuerySet[Ticket]):  # type: ignore[no-untyped-def]
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Choisissez une seule sollicitation."), messages.ERROR
            )
            return None
        ticket = queryset.get()
        return redirect("admin:support_ticket_appoint", ticket.pk)

    def get_urls(self):  # type: ignore[no-untyped-def]
        own = [
            path(
                "<int:pk>/nommer-gestionnaire/",
                self.admin_site.admin_view(self.appoint_view),
                name="support_ticket_appoint",
            )
        ]
        return own + super().get_urls()

    def appoint_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Names the new principal manager of the ticket's structure through the service
        (roles, audit row, e-mails, the ticket answered), never by editing a membership."""
        if not request.user.is_staff or not self.has_view_permission(request):
            raise Http404
        ticket = Ticket.objects.select_related("sender", "sender_structure").filter(pk=pk).first()
        if ticket is None:
            raise Http404
        back = reverse("admin:support_ticket_change", args=[ticket.pk])
        structure = ticket.sender_structure
        if (ticket.category, ticket.subcategory) != PRINCIPAL_CATEGORY or structure is None:
            self.message_user(
                request,
                gettext(
                    "Seule une sollicitation « Remplacement du gestionnaire principal » qui "
                    "nomme la structure du demandeur le permet."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        form = AppointForm(request.POST or None, structure=structure)
        if request.method == "POST" and form.is_valid():
            try:
                services.principal_appoint_from_ticket(
                    ticket=ticket, by=request.user, membership_id=form.cleaned_data["membership"].pk
                )
            except (StructureError, TicketActionRefused) as exc:
                self.message_user(request, getattr(exc, "message", str(exc)), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Gestionnaire principal nommé ; le demandeur a reçu la réponse."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Nommer un gestionnaire principal"),
            "ticket": ticket,
            "structure": structure,
            "absence": structure_selectors.principal_absence(structure),
            "form": form,
            "opts": self.model._meta,
            "back": back,
        }
        return TemplateResponse(request, "admin/support/ticket/appoint.html", context)

    @admin.display(description=_("demandeur"), ordering="sender__email")
    def asked_by(self, ticket: Ticket) -> str:
        return ticket.sender.email if ticket.sender else ticket.email

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
