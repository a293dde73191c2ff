"""Serializers of the invoices API: the invoice as it comes out, and the lines as they go in.

Amounts are decimal strings ("1234.50"), dates ISO 8601, codes the stable strings of the
database (statuses, reasons, billing frames...).
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chorus.api.reversing import reverse_ids
from chorus.api.serializing import represent_many
from invoices.models import (
    BillingFrame,
    Currency,
    DepositMode,
    Invoice,
    InvoiceLine,
    InvoiceType,
    PaymentMethod,
    StatusChange,
    Unit,
    VatRegime,
)
from invoices.totals import MONEY, LineAmounts, vat_breakdown
from invoices.workflow import ReformCode, Status

AMOUNT = MONEY


def invoice_url(invoice: Invoice, name: str = "invoice-detail") -> str:
    return reverse_ids(f"api:{name}", pk=invoice.pk)


class LineInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=255)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.C62)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    discount = serializers.DecimalField(**AMOUNT, required=False, default=Decimal("0"))
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ref_name = "InvoiceLineInput"


class HeaderInputSerializer(serializers.Serializer):
    """The header fields an invoice is typed or deposited with (all optional for a draft)."""

    supplier_siret = serializers.RegexField(r"^[0-9]{14}$", help_text="One of your structures.")
    number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    issue_date = serializers.DateField(required=False, allow_null=True, default=None)
    invoice_type = serializers.ChoiceField(choices=InvoiceType.choices, default=InvoiceType.FACTURE)
    original_invoice_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    billing_frame = serializers.ChoiceField(
        choices=BillingFrame.choices,
        default=BillingFrame.A1,
        help_text="One the recipient accepts. A9 and A12 need validator_siret.",
    )
    validator_siret = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Billing frames A9 (sub-contractor) and A12 (co-contractor) only: the SIRET of "
        "the titular company (the mandatary) that validates the invoice before it is routed.",
    )
    recipient_siret = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    service_code = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    engagement_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    market_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.EUR)
    vat_regime = serializers.ChoiceField(choices=VatRegime.choices, default=VatRegime.DEBITS)
    vat_exemption_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.VIREMENT
    )
    bank_account = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The account to credit: the id of an active bank account of the supplier "
        "structure (GET structures/{siret}/bank-accounts/), whose IBAN and BIC the invoice "
        "takes. Leave iban empty then.",
    )
    iban = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="An IBAN typed instead of bank_account: accepted only when the supplier "
        "structure has no active bank account (or it is one of them).",
    )
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    prepaid_amount = serializers.DecimalField(**AMOUNT, required=False, default=Decimal("0"))

    class Meta:
        ref_name = "InvoiceHeaderInput"


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "position",
            "reference",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "discount",
            "vat_rate",
            "net_amount",
        ]
        ref_name = "InvoiceLine"


class VatBreakdownSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    base = serializers.DecimalField(**AMOUNT)
    amount = serializers.DecimalField(**AMOUNT)

    class Meta:
        ref_name = "VatBreakdown"


class AttachmentSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Its number in GET invoices/{id}/attachments/{n}/.")
    name = serializers.CharField(source="attachment.original_name")
    kind = serializers.CharField(source="attachment.kind")
    size = serializers.IntegerField(source="attachment.size")
    sha256 = serializers.CharField(source="attachment.sha256")
    content_type = serializers.CharField(source="attachment.content_type")
    uploaded_at = serializers.DateTimeField(source="attachment.uploaded_at")
    url = serializers.CharField()

    class Meta:
        ref_name = "InvoiceAttachment"


class InvoiceSerializer(serializers.Serializer):
    """An invoice in a list: its header, parties, status and totals."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    reform_code = serializers.ChoiceField(
        choices=ReformCode.choices,
        allow_null=True,
        help_text="The 2026 e-invoicing reform's lifecycle code of the status (null for a draft).",
    )
    status_changed_at = serializers.DateTimeField()
    invoice_type = serializers.ChoiceField(choices=InvoiceType.choices)
    issue_date = serializers.DateField(allow_null=True)
    billing_frame = serializers.ChoiceField(choices=BillingFrame.choices)
    is_paid_already = serializers.BooleanField(
        help_text="Billing frame A2: paid before being invoiced, so never put in payment."
    )
    validator_siret = serializers.CharField(
        help_text="A9 / A12: the titular company (mandatary) that validates it; else empty."
    )
    validator_name = serializers.CharField(source="validator.name", allow_null=True, default=None)
    validation_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="A9 / A12: validated tacitly past this (ABSENCE_VALIDATION_1_HORS_DELAI).",
    )
    deposit_mode = serializers.ChoiceField(choices=DepositMode.choices)
    supplier_siret = serializers.CharField(source="supplier.identifier")
    supplier_name = serializers.CharField(source="supplier.name")
    recipient_siret = serializers.CharField()
    recipient_name = serializers.CharField(source="recipient.name", allow_null=True, default=None)
    service_code = serializers.CharField()
    engagement_number = serializers.CharField()
    market_number = serializers.CharField()
    currency = serializers.ChoiceField(choices=Currency.choices)
    total_excl_tax = serializers.DecimalField(**AMOUNT)
    total_vat = serializers.DecimalField(**AMOUNT)
    total_incl_tax = serializers.DecimalField(**AMOUNT)
    amount_due = serializers.DecimalField(**AMOUNT)
    deposited_at = serializers.DateTimeField(allow_null=True)
    made_available_at = serializers.DateTimeField(allow_null=True)
    certificate_sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 of the deposited files' list, as written on the deposit certificate."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "InvoiceSummary"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_certificate_sha256(self, invoice: Invoice) -> str | None:
        return invoice.deposit_sha256 or None

    def get_url(self, invoice: Invoice) -> str:
        return invoice_url(invoice)


class LinksSerializer(serializers.Serializer):
    history = serializers.CharField()
    pdf = serializers.CharField()
    certificate = serializers.CharField()


class InvoiceDetailSerializer(InvoiceSerializer):
    """An invoice as it stands, with its lines, VAT breakdown and files."""

    original_invoice_number = serializers.CharField(
        help_text="For a credit note (AVOIR): the number of the invoice it credits (BT-25)."
    )
    credited_invoice = serializers.IntegerField(
        source="credited_invoice_id",
        allow_null=True,
        help_text="For a credit note: the id of the deposited invoice it credits.",
    )
    credit_notes = serializers.SerializerMethodField(
        help_text="For an invoice: the ids of the deposited credit notes that refer to it."
    )
    vat_regime = serializers.ChoiceField(choices=VatRegime.choices)
    vat_exemption_reason = serializers.CharField()
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    iban = serializers.CharField()
    bic = serializers.CharField()
    comment = serializers.CharField()
    prepaid_amount = serializers.DecimalField(**AMOUNT)
    mandate_number = serializers.CharField()
    rejection_acknowledged = serializers.BooleanField()
    lines = LineSerializer(many=True)
    vat_breakdown = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Invoice"

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_credit_notes(self, invoice: Invoice) -> list[int]:
        # Prefetched by the API's selectors (deposited ones only); checked again here.
        notes = invoice.credit_notes.all()
        return sorted(note.pk for note in notes if note.status != Status.BROUILLON)

    @extend_schema_field(VatBreakdownSerializer(many=True))
    def get_vat_breakdown(self, invoice: Invoice) -> list:
        entries = vat_breakdown(
            LineAmounts(line.quantity, line.unit_price, line.discount, line.vat_rate)
            for line in invoice.lines.all()
        )
        return represent_many(VatBreakdownSerializer, entries)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, invoice: Invoice) -> list:
        rows = [
            {
                "n": n,
                "attachment": attachment,
                "url": reverse_ids("api:invoice-attachment", pk=invoice.pk, n=n),
            }
            for n, attachment in enumerate(invoice.attachments.all(), start=1)
        ]
        return represent_many(AttachmentSerializer, rows)

    @extend_schema_field(LinksSerializer)
    def get_links(self, invoice: Invoice) -> dict:
        return {
            "history": invoice_url(invoice, "invoice-history"),
            "pdf": invoice_url(invoice, "invoice-pdf"),
            "certificate": invoice_url(invoice, "invoice-certificate"),
        }


class HistorySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(source="to_status", choices=Status.choices)
    reform_code = serializers.ChoiceField(
        choices=ReformCode.choices,
        allow_null=True,
        help_text="The 2026 e-invoicing reform's lifecycle code of this step.",
    )
    from_status = serializers.CharField()
    actor = serializers.SerializerMethodField(
        help_text="Who acted: a person's name, or the system step (routage, paiement)."
    )
    actor_type = serializers.SerializerMethodField()
    reason_code = serializers.CharField(source="reason.code", allow_null=True, default=None)
    reason_label = serializers.CharField(source="reason.label", allow_null=True, default=None)

    class Meta:
        model = StatusChange
        fields = [
            "status",
            "reform_code",
            "from_status",
            "at",
            "actor",
            "actor_type",
            "reason_code",
            "reason_label",
            "comment",
            "mandate_number",
        ]
        ref_name = "InvoiceHistoryEntry"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, change: StatusChange) -> str | None:
        if change.actor is not None:
            return change.actor.get_full_name() or change.actor.email
        return change.actor_system or None

    @extend_schema_field(serializers.ChoiceField(choices=["user", "system"]))
    def get_actor_type(self, change: StatusChange) -> str:
        return "user" if change.actor_id is not None else "system"
