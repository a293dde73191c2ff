"""The reads of the invoices API (lists, one invoice, its history and files, the reason
catalogue, the EJ register), and the typed invoice's creation, which shares its path."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.models import ApiScope
from chorus.api import messages
from chorus.api.errors import Conflict
from chorus.api.idempotency import idempotent
from chorus.api.pagination import PageNumberPagination
from chorus.api.schema import ErrorSerializer
from chorus.api.serializing import represent, validated
from chorus.api.views import ApiView
from invoices import selectors, services
from invoices.api import selectors as api_selectors
from invoices.api.actions import (
    INVOICE_ID,
    header_input,
    invoice_response,
    service_errors,
    supplier_with_accounts_for,
)
from invoices.api.serializers import (
    HeaderInputSerializer,
    HistorySerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    LineInputSerializer,
)
from invoices.models import Attachment, DepositMode, Invoice, RejectionReason
from invoices.services import LineInput
from invoices.workflow import Status
from structures.api import SIRET_PATH, structure_or_404

_ORDERINGS = [o for name in api_selectors.ORDERINGS for o in (name, f"-{name}")]


class InvoicesApi(ApiView):
    """GET: the invoices the caller may see. POST: type an invoice (``soumettreFacture``)."""

    token_scope = ApiScope.DEPOSIT

    pagination_class = PageNumberPagination

    class FilterSerializer(serializers.Serializer):
        direction = serializers.ChoiceField(
            choices=[api_selectors.SENT, api_selectors.RECEIVED, api_selectors.TO_VALIDATE],
            required=False,
            help_text="sent: by your supplier structures; received: by your services; "
            "to_validate: naming one of your structures as validator (billing frames A9, A12). "
            "All when absent.",
        )
        status = serializers.CharField(
            required=False, max_length=400, help_text="One status, or several separated by commas."
        )
        supplier_siret = serializers.CharField(required=False, max_length=14)
        recipient_siret = serializers.CharField(required=False, max_length=14)
        service_code = serializers.CharField(required=False, max_length=100)
        engagement_number = serializers.CharField(required=False, max_length=50)
        number = serializers.CharField(required=False, max_length=20)
        deposit_mode = serializers.ChoiceField(choices=DepositMode.choices, required=False)
        issued_from = serializers.DateField(required=False)
        issued_to = serializers.DateField(required=False)
        deposited_from = serializers.DateField(required=False)
        deposited_to = serializers.DateField(required=False)
        amount_min = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        amount_max = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
        ordering = serializers.ChoiceField(
            choices=_ORDERINGS, required=False, help_text="Default: -created_at."
        )

        def validate_status(self, value: str) -> list[str]:
            wanted = [part.strip() for part in value.split(",") if part.strip()]
            unknown = [part for part in wanted if part not in Status.values]
            if unknown:
                raise serializers.ValidationError(
                    messages.UNKNOWN_STATUS % {"codes": ", ".join(unknown)}
                )
            return wanted

    class InputSerializer(HeaderInputSerializer):
        lines = serializers.ListField(
            child=LineInputSerializer(), required=False, max_length=1000, default=list
        )
        draft = serializers.BooleanField(
            required=False, default=False, help_text="true: keep it as a draft (BROUILLON)."
        )

        class Meta:
            ref_name = "InvoiceCreateInput"

    @extend_schema(
        operation_id="invoices_list",
        tags=["invoices"],
        parameters=[FilterSerializer],
        responses=InvoiceSerializer(many=True),
        summary="List invoices",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        invoices = api_selectors.invoice_list(request.user, filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(invoices, request, view=self)
        return paginator.get_paginated_response(InvoiceSerializer(page, many=True).data)

    @extend_schema(
        operation_id="invoices_create",
        tags=["invoices"],
        request=InputSerializer,
        responses={201: InvoiceDetailSerializer},
        summary="Submit a typed invoice",
        description=(
            "Totals, VAT breakdown and the PDF are computed from the lines. The invoice is "
            "deposited at once (DEPOSEE, with its deposit certificate) and routed, unless "
            '`"draft": true`. A number already used this year by the supplier is refused. '
            "The account to credit is `bank_account`, the id of an active account of the "
            "supplier structure (`GET structures/{siret}/bank-accounts/`); a typed `iban` is "
            "accepted only when the structure has no active account."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        values = validated(self.InputSerializer, request.data)
        supplier, accounts = supplier_with_accounts_for(request.user, values["supplier_siret"])
        lines = [LineInput(**line) for line in values["lines"]]
        with service_errors():
            header = services.invoice_input_with_account(
                header_input(values),
                bank_account=values["bank_account"],
                active_accounts=accounts,
            )
            if values["draft"]:
                invoice = services.invoice_save_draft(
                    user=request.user, supplier=supplier, data=header, lines=lines,
                    deposit_mode=DepositMode.SAISIE_API,
                )  # fmt: skip
            else:
                # The input passed the API's invoice schema: the model does not check again
                # what it proved (the same errors).
                invoice = services.invoice_submit(
                    user=request.user, supplier=supplier, data=header, lines=lines,
                    deposit_mode=DepositMode.SAISIE_API, schema_checked=True,
                )  # fmt: skip
        return invoice_response(request, invoice, status.HTTP_201_CREATED)


class InvoiceDetailApi(ApiView):
    """GET: one invoice. DELETE: a draft (BROUILLON), never an invoice once deposited."""

    token_scope = ApiScope.DEPOSIT

    @extend_schema(
        operation_id="invoices_retrieve",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        responses=InvoiceDetailSerializer,
        summary="One invoice",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = api_selectors.invoice_detail(request.user, pk)
        return Response(represent(InvoiceDetailSerializer, invoice))

    @extend_schema(
        operation_id="invoices_destroy",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=None,
        responses={
            204: None,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The invoice was deposited: it is never deleted (code "
                "`invoice_deposited`); a credit note cancels it.",
            ),
        },
        summary="Delete a draft",
        description="Only a draft (BROUILLON) of one of your structures, by a member who may "
        "deposit for it: its lines and files go with it. A deposited invoice → `409`.",
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        try:
            services.invoice_delete_draft(user=request.user, invoice=invoice)
        except services.InvoiceStateError as exc:
            raise InvoiceDeposited(exc.messages[0]) from None
        except services.InvoiceAccessDenied:
            raise exceptions.NotFound() from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvoiceDeposited(Conflict):
    default_code = "invoice_deposited"


class InvoiceDuplicateApi(ApiView):
    """Copy an invoice (any status) of your structures into a new draft."""

    token_scope = ApiScope.DEPOSIT

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=20, help_text="The new invoice's number.")

        class Meta:
            ref_name = "InvoiceDuplicateInput"

    @extend_schema(
        operation_id="invoices_duplicate",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=InputSerializer,
        responses={201: InvoiceDetailSerializer},
        summary="Duplicate an invoice into a new draft",
        description="The copy is a typed draft (BROUILLON, SAISIE_WEB) dated today, under the "
        "number given: the header and lines are copied; files are not, except a typed "
        "invoice's additional documents. Send it with `POST invoices/{id}/submit/`.",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            copy = services.invoice_duplicate(
                user=request.user, invoice=invoice, number=data.validated_data["number"]
            )
        return invoice_response(request, copy, status.HTTP_201_CREATED)


class InvoiceHistoryApi(ApiView):
    """The invoice's history, oldest first (``consulterHistoriqueFacture``)."""

    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="invoices_history_list",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        responses=HistorySerializer(many=True),
        summary="History of an invoice",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = api_selectors.invoice_detail(request.user, pk)
        history = selectors.history_of(invoice)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(history, request, view=self)
        return paginator.get_paginated_response(HistorySerializer(page, many=True).data)


# --- downloads ---------------------------------------------------------------------------------
class DownloadApi(ApiView):
    """A stored file as it was deposited or issued; errors stay JSON whatever Accept says."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)

    def file_response(self, attachment: Attachment | None) -> FileResponse:
        if attachment is None:
            raise exceptions.NotFound(messages.NO_DOCUMENT)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-SHA256"] = attachment.sha256
        return response

    def invoice(self, request: AuthenticatedRequest, pk: int) -> Invoice:
        return api_selectors.invoice_detail(request.user, pk)


def _download_schema(operation_id: str, summary: str, media_type: str, **extra: Any) -> Any:
    return extend_schema(
        operation_id=operation_id,
        tags=["invoices"],
        responses={(200, media_type): OpenApiTypes.BINARY},
        summary=summary,
        **extra,
    )


class InvoicePdfApi(DownloadApi):
    @_download_schema(
        "invoices_pdf_retrieve",
        "The invoice's PDF (the deposited one, or the portal's rendering)",
        "application/pdf",
        parameters=[INVOICE_ID],
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> FileResponse:
        invoice = self.invoice(request, pk)
        certified = selectors.certified_xml_of(invoice)
        if certified is not None and selectors.rendering_pending(invoice, certified):
            # The worker has not made the Factur-X PDF yet: make it now (the service is
            # idempotent and keeps one file) rather than answer 404 to an integrator.
            services.invoice_render_facturx(certified_xml_id=certified.pk)
        return self.file_response(selectors.main_document_of(invoice))


class InvoiceCertificateApi(DownloadApi):
    @_download_schema(
        "invoices_certificate_retrieve",
        "The deposit certificate (PDF)",
        "application/pdf",
        parameters=[INVOICE_ID],
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> FileResponse:
        return self.file_response(services.invoice_certificate(self.invoice(request, pk)))


class InvoiceAttachmentApi(DownloadApi):
    @_download_schema(
        "invoices_attachments_retrieve",
        "One file of the invoice, by its number n in the invoice's attachments",
        "*/*",
        parameters=[
            INVOICE_ID,
            OpenApiParameter("n", int, OpenApiParameter.PATH, description="1 for the first."),
        ],
    )
    def get(self, request: AuthenticatedRequest, pk: int, n: int) -> FileResponse:
        invoice = self.invoice(request, pk)
        return self.file_response(api_selectors.invoice_attachment(invoice, n))


# --- catalogues --------------------------------------------------------------------------------
class RejectionReasonsApi(ApiView):
    pagination_class = PageNumberPagination

    class OutputSerializer(serializers.ModelSerializer):
        # The reason's label, named like a serializer field's own ``label``.
        label = serializers.CharField()  # type: ignore[assignment]

        class Meta:
            model = RejectionReason
            fields = [
                "code",
                "label",
                "label_fr",
                "label_en",
                "group",
                "allowed_statuses",
                "reform_code",
            ]
            ref_name = "RejectionReason"

    @extend_schema(
        operation_id="rejection_reasons_list",
        tags=["catalogues"],
        responses=OutputSerializer(many=True),
        summary="The reason catalogue",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(api_selectors.reason_catalogue(), request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class EngagementsApi(ApiView):
    """Open EJ numbers a public structure holds for the caller's own structures."""

    pagination_class = PageNumberPagination

    class FilterSerializer(serializers.Serializer):
        supplier_siret = serializers.RegexField(
            r"^[0-9]{14}$", required=False, help_text="One of your structures (all when absent)."
        )

    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        supplier_siret = serializers.CharField()
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)

    @extend_schema(
        operation_id="structures_engagements_list",
        tags=["structures"],
        parameters=[SIRET_PATH, FilterSerializer],
        responses=OutputSerializer(many=True),
        summary="Open legal commitments (EJ) for your structures",
    )
    def get(self, request: AuthenticatedRequest, siret: str) -> Response:
        recipient = structure_or_404(siret)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        supplier_siret = filters.validated_data.get("supplier_siret")
        if supplier_siret and not api_selectors.may_see_supplier(request.user, supplier_siret):
            raise exceptions.ValidationError({"supplier_siret": [messages.NOT_YOUR_STRUCTURE]})
        records = api_selectors.open_engagements(
            recipient=recipient, user=request.user, supplier_siret=supplier_siret
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
