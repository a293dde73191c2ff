"""The administrators' tool: invoices are read here (their history is evidence and never
edited); the reason catalogue and the EJ registers are maintained here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from chorus import formatting
from chorus.admin import ReadOnlyInline, ReadOnlyModelAdmin
from invoices.models import (
    AcceptedFrames,
    Attachment,
    BillingFrame,
    EngagementImport,
    EngagementRecord,
    Invoice,
    InvoiceLine,
    RejectionReason,
    Seal,
    SealedRemoval,
    StatusChange,
)

if TYPE_CHECKING:
    from structures.models import Structure


class LineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["position", "reference", "description", "quantity", "unit", "unit_price",
              "discount", "vat_rate", "net_amount"]  # fmt: skip


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "original_name", "size", "sha256", "is_signed", "uploaded_at"]


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fk_name = "invoice"
    fields = ["at", "from_status", "to_status", "actor", "actor_system", "reason", "comment",
              "mandate_number"]  # fmt: skip


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyModelAdmin):
    """Read-only: statuses only change through the services (the portal, the API, the workers)."""

    # The key columns first, short enough to fit at 1280 px beside the filters: names without
    # their SIRET (searchable), the status's label, the amount as the portal writes it.
    list_display = ["number", "status_shown", "amount", "supplier_name", "recipient_name",
                    "service_code", "deposited_at"]  # fmt: skip
    list_filter = ["status", "deposit_mode", "invoice_type", "billing_frame"]
    search_fields = ["number", "supplier__name", "supplier__identifier", "recipient__name",
                     "recipient_siret", "service_code", "engagement_number"]  # fmt: skip
    date_hierarchy = "created_at"
    list_select_related = ["supplier", "recipient"]
    raw_id_fields = ["supplier", "recipient", "service", "created_by", "credited_invoice"]
    inlines = [LineInline, AttachmentInline, StatusChangeInline]

    @admin.display(description=gettext_lazy("statut"), ordering="status")
    def status_shown(self, invoice: Invoice) -> str:
        return invoice.get_status_display()

    @admin.display(description=gettext_lazy("montant TTC"), ordering="total_incl_tax")
    def amount(self, invoice: Invoice) -> str:
        return formatting.amount(invoice.total_incl_tax, invoice.currency)

    @admin.display(description=gettext_lazy("fournisseur"), ordering="supplier__name")
    def supplier_name(self, invoice: Invoice) -> str:
        return Truncator(invoice.supplier.name).chars(40)

    @admin.display(description=gettext_lazy("destinataire"), ordering="recipient__name")
    def recipient_name(self, invoice: Invoice) -> str:
        return Truncator(invoice.recipient.name).chars(40) if invoice.recipient else "—"


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["invoice", "at", "from_status", "to_status", "actor", "actor_system", "reason"]
    list_filter = ["to_status", "actor_system"]
    search_fields = ["invoice__number", "comment", "actor__email"]
    list_select_related = ["invoice", "actor", "reason"]


@admin.register(Seal)
class SealAdmin(ReadOnlyModelAdmin):
    """The audit trail's seals (``invoices/seals.py``): made by beat, checked by
    ``verify_integrity``."""

    list_display = ["sequence", "sealed_at", "digest", "history_count", "files_count"]
    exclude = ["heads"]


@admin.register(SealedRemoval)
class SealedRemovalAdmin(ReadOnlyModelAdmin):
    list_display = ["kind", "item_id", "invoice_id", "reason", "removed_at"]
    list_filter = ["kind"]


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "label_fr", "group", "allowed_statuses", "reform_code", "is_active",
                    "position"]  # fmt: skip
    list_filter = ["group", "reform_code", "is_active"]
    search_fields = ["code", "label_fr", "label_en"]
    list_editable = ["is_active", "position"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Reasons are cited by the history: retire one (inactive) rather than delete it.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return ["code"] if obj is not None else []


@admin.register(EngagementRecord)
class EngagementRecordAdmin(admin.ModelAdmin):
    list_display = ["number", "recipient", "supplier_siret", "amount", "state", "updated_at"]
    list_filter = ["state", "recipient"]
    search_fields = ["number", "supplier_siret", "recipient__name", "recipient__identifier"]
    raw_id_fields = ["recipient"]


class AcceptedFramesForm(forms.ModelForm):
    """The frames as boxes to tick (stored as a list of codes)."""

    frames = forms.MultipleChoiceField(
        label=gettext_lazy("cadres acceptés"),
        choices=BillingFrame.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Les cadres que les fournisseurs peuvent choisir pour ce destinataire. Sans réglage, "
            "il les accepte tous."
        ),
    )

    class Meta:
        model = AcceptedFrames
        fields = ["structure", "frames"]

    def clean_structure(self) -> Structure:
        structure = self.cleaned_data["structure"]
        if not structure.is_public:
            raise forms.ValidationError(
                gettext_lazy("Seul un destinataire public choisit les cadres qu'il accepte.")
            )
        return structure


@admin.register(AcceptedFrames)
class AcceptedFramesAdmin(admin.ModelAdmin):
    form = AcceptedFramesForm
    list_display = ["structure", "frames"]
    search_fields = ["structure__name", "structure__identifier"]
    raw_id_fields = ["structure"]


@admin.register(EngagementImport)
class EngagementImportAdmin(admin.ModelAdmin):
    """The EJ files agents uploaded, for support: read only (the register page makes them)."""

    list_display = ["original_name", "recipient", "uploaded_by", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["original_name", "sha256", "recipient__name", "recipient__identifier"]
    exclude = ["content"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# The bulk decisions' admin lives with the feature (invoices/bulk/admin.py).
from invoices.bulk import admin as bulk_admin  # noqa: E402, F401
