"""The writes of the invoices API: one thin view per operation, each calling one service.

Service refusals become API errors here: a refused field → 400 with the field's messages, a
status that does not allow the action (or lost a race) → 409, an invoice the user may not act
on → 404. Every action answers with the invoice as it now stands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response

from accounts.http import AuthenticatedRequest
from accounts.models import ApiScope
from chorus.api import messages
from chorus.api.errors import (
    Conflict,
    EstablishmentClosed,
    FileTypeRefused,
    PayloadTooLarge,
    field_errors,
)
from chorus.api.idempotency import idempotent
from chorus.api.parsers import JSONParser
from chorus.api.serializing import represent
from chorus.api.views import ApiView
from einvoice.errors import InvoiceFileError
from invoices import files, selectors, services
from invoices.api import selectors as api_selectors
from invoices.api.serializers import (
    HeaderInputSerializer,
    InvoiceDetailSerializer,
    invoice_url,
)
from invoices.models import DepositMode, Invoice
from invoices.services import InvoiceInput
from invoices.workflow import AGENT_TRANSITIONS, Status
from structures.fields import clean_siret
from structures.models import Structure
from structures.selectors import closed_establishment_reason

INVOICE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The invoice's id.")
# Names the services give to fields, and the API's names for them.
RENAMES = {"supplier": "supplier_siret", "main_file": "file", "reason": "reason_code"}


@contextmanager
def service_errors(renames: Mapping[str, str] = RENAMES) -> Iterator[None]:
    try:
        yield
    except services.InvoiceStateError as exc:
        raise Conflict(exc.messages[0] if exc.messages else None) from None
    except services.InvoiceError as exc:
        raise exceptions.ValidationError(field_errors(exc.errors, renames)) from None
    except services.InvoiceAccessDenied:
        raise exceptions.NotFound() from None


def invoice_response(
    request: AuthenticatedRequest, invoice: Invoice, code: int = status.HTTP_200_OK
) -> Response:
    """The invoice as it now stands (read again, with what its detail shows; one just created
    by the user is not read again)."""
    if code == status.HTTP_201_CREATED:
        fresh = api_selectors.invoice_created_detail(invoice)
    else:
        fresh = api_selectors.invoice_detail(request.user, invoice.pk)
    headers = {"Location": invoice_url(fresh)} if code == 201 else {}
    return Response(represent(InvoiceDetailSerializer, fresh), status=code, headers=headers)


def supplier_for(user: Any, siret: str) -> Structure:
    """One of the caller's supplier structures; the same refusal whether it exists or not."""
    structure = api_selectors.supplier_of(user, siret)
    if structure is None:
        raise exceptions.ValidationError({"supplier_siret": [messages.NOT_YOUR_STRUCTURE]})
    if structure.is_closed:
        raise EstablishmentClosed(closed_establishment_reason(structure), "supplier_siret")
    return structure


def header_input(values: Mapping[str, Any]) -> InvoiceInput:
    """The service's input from the validated fields it knows (totals only for a PDF)."""
    names = InvoiceInput.__dataclass_fields__.keys()
    return InvoiceInput(**{k: v for k, v in values.items() if k in names})


# --- files: what the API refuses before any service sees them ---------------------------------
# The invoice itself: a PDF (plain or Factur-X) or an XML (CII, UBL).
INVOICE_EXTENSIONS = frozenset({"pdf", "xml"})
PLAIN_PDF_ONLY = "Required for a plain PDF; ignored for a structured file (its own totals)."
PDF_TOTALS = ("total_excl_tax", "total_vat", "total_incl_tax")


def check_uploaded(upload: Any, *, invoice: bool = False) -> None:
    """415 for a type not accepted, 413 for a file too large; the rest is the service's."""
    extension = files.extension_of(upload.name or "")
    if extension not in (INVOICE_EXTENSIONS if invoice else files.ALLOWED_EXTENSIONS):
        detail = messages.INVOICE_FILE_TYPE if invoice else messages.FILE_TYPE_REFUSED
        raise FileTypeRefused(detail % {"ext": extension})
    if upload.size is not None and upload.size >= files.MAX_FILE_SIZE:
        raise PayloadTooLarge(messages.FILE_TOO_LARGE)


@contextmanager
def file_errors() -> Iterator[None]:
    """A file that cannot be judged: 413, 415, or 400 on ``file`` (unreadable)."""
    try:
        yield
    except InvoiceFileError as exc:
        if exc.http_status == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            raise PayloadTooLarge(exc.message) from None
        if exc.http_status == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
            raise FileTypeRefused(exc.message) from None
        raise exceptions.ValidationError({"file": [exc.message]}) from None


def require_totals(values: Mapping[str, Any]) -> None:
    """A plain PDF says nothing the portal can read: its three totals must be given."""
    missing = [name for name in PDF_TOTALS if values.get(name) is None]
    if missing:
        raise exceptions.ValidationError({name: [messages.PDF_TOTAL_REQUIRED] for name in missing})


def uploaded_files(request: AuthenticatedRequest, name: str) -> Sequence[Any]:
    uploads = request.FILES.getlist(name)
    for upload in uploads:
        check_uploaded(upload)
    return uploads


class InvoiceUploadApi(ApiView):
    """Deposit an invoice file: a structured file (Factur-X PDF, CII or UBL XML) carries its
    own data; a plain PDF comes with the header data and the totals it does not carry."""

    token_scope = ApiScope.DEPOSIT

    parser_classes = [parsers.MultiPartParser]
    max_body_size = files.MAX_TOTAL_SIZE + 1024 * 1024

    class InputSerializer(HeaderInputSerializer):
        file = serializers.FileField(
            help_text="The invoice: a Factur-X / ZUGFeRD 2 PDF, a CII or UBL 2.1 XML, or a "
            "plain PDF (signed or not)."
        )
        attachments = serializers.ListField(
            child=serializers.FileField(), required=False, max_length=50
        )
        total_excl_tax = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, help_text=PLAIN_PDF_ONLY
        )
        total_vat = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, help_text=PLAIN_PDF_ONLY
        )
        total_incl_tax = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, help_text=PLAIN_PDF_ONLY
        )

        class Meta:
            ref_name = "InvoiceUploadInput"

    class StructuredInputSerializer(serializers.Serializer):
        """What a structured file needs beside itself: the depositing structure."""

        supplier_siret = serializers.RegexField(r"^[0-9]{14}$")

    @extend_schema(
        operation_id="invoices_upload",
        tags=["invoices"],
        request={"multipart/form-data": InputSerializer},
        responses={201: InvoiceDetailSerializer},
        summary="Deposit an invoice file (Factur-X, CII, UBL or PDF)",
        description=(
            "Multipart form: `file` and optional `attachments` (repeat the field).\n\n"
            "- **Structured file** (a Factur-X / ZUGFeRD 2 PDF, a CII XML, a UBL 2.1 Invoice "
            "or CreditNote): only `supplier_siret` is needed, every other field is ignored — "
            "the invoice's data are the file's. The file is validated (XSD, then the "
            "schematron of its profile) and checked against the portal's rules (recipient a "
            "public structure known to the portal, SE from BT-10, EJ from BT-13 when "
            "required, the seller is the depositing structure). When it passes it is "
            "deposited at once (DEPOSEE, `deposit_mode` UPLOAD_API) and kept byte for byte. "
            "When it does not, `400` with field errors, each message `RULE : message` "
            "(`CHORUS` for the portal's rules, which come first, else the broken rule, e.g. "
            "`BR-CO-15`); `POST invoices/validate/` gives the full report.\n"
            "- **Plain PDF**: the header fields and the three totals (`total_excl_tax`, "
            "`total_vat`, `total_incl_tax`, required then) must be given.\n\n"
            "A type that is neither PDF nor XML → `415`; a file too large → `413`; an "
            "unreadable file → `400`."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        main = request.FILES.get("file")
        content, structured = None, False
        if main is not None:
            check_uploaded(main, invoice=True)
            with file_errors():
                content = services.read_invoice_upload(main)
                structured = services.is_structured_file(content, main.name or "")
        attachments = uploaded_files(request, "attachments")
        if structured and main is not None and content is not None:
            return self._structured(request, main.name or "", content, attachments)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        require_totals(values)
        supplier = supplier_for(request.user, values["supplier_siret"])
        with service_errors():
            invoice = services.invoice_upload_pdf(
                user=request.user,
                supplier=supplier,
                data=header_input(values),
                main_file=values["file"],
                attachments=attachments,
                deposit_mode=DepositMode.DEPOT_PDF_API,
            )
        return invoice_response(request, invoice, status.HTTP_201_CREATED)

    def _structured(
        self,
        request: AuthenticatedRequest,
        filename: str,
        content: bytes,
        attachments: Sequence[Any],
    ) -> Response:
        data = self.StructuredInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        supplier = supplier_for(request.user, data.validated_data["supplier_siret"])
        with file_errors(), service_errors():
            invoice = services.invoice_deposit_structured_file(
                user=request.user,
                supplier=supplier,
                content=content,
                filename=filename,
                attachments=attachments,
                deposit_mode=DepositMode.UPLOAD_API,
            )
        return invoice_response(request, invoice, status.HTTP_201_CREATED)


class InvoiceSubmitApi(ApiView):
    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)

    @extend_schema(
        operation_id="invoices_submit",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=None,
        responses={200: InvoiceDetailSerializer},
        summary="Send a draft",
        description="Runs every deposit check; the draft becomes DEPOSEE and is routed.",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        with service_errors():
            invoice = services.invoice_deposit(user=request.user, invoice=invoice)
        return invoice_response(request, invoice)


class InvoiceRecycleApi(ApiView):
    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)

    class InputSerializer(serializers.Serializer):
        recipient_siret = serializers.CharField(max_length=20)
        service_code = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )
        engagement_number = serializers.CharField(
            max_length=50, required=False, allow_blank=True, default=""
        )

        def validate_recipient_siret(self, value: str) -> str:
            try:
                return clean_siret(value)
            except Exception as exc:  # django's ValidationError, with the field's message
                raise serializers.ValidationError(list(getattr(exc, "messages", []))) from None

    @extend_schema(
        operation_id="invoices_recycle",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=InputSerializer,
        responses={200: InvoiceDetailSerializer},
        summary="Correct the recipient data of an invoice sent back (A_RECYCLER)",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            invoice = services.invoice_recycle(
                user=request.user, invoice=invoice, **data.validated_data
            )
        return invoice_response(request, invoice)


class InvoiceCompleteApi(ApiView):
    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)
    parser_classes = [JSONParser, parsers.MultiPartParser]
    max_body_size = files.MAX_TOTAL_SIZE + 1024 * 1024

    class InputSerializer(serializers.Serializer):
        comment = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )
        attachments = serializers.ListField(
            child=serializers.FileField(), required=False, max_length=50
        )

        class Meta:
            ref_name = "InvoiceCompleteInput"

    @extend_schema(
        operation_id="invoices_complete",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request={
            "application/json": InputSerializer,
            "multipart/form-data": InputSerializer,
        },
        responses={200: InvoiceDetailSerializer},
        summary="Answer a suspension (SUSPENDUE) with documents and/or a comment",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        attachments = uploaded_files(request, "attachments")
        payload = request.data
        if isinstance(payload, Mapping):  # else (a JSON array…): the serializer's 400
            payload = {"comment": payload.get("comment", "")}
        data = self.InputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        with service_errors():
            invoice = services.invoice_complete(
                user=request.user,
                invoice=invoice,
                comment=data.validated_data["comment"],
                attachments=attachments,
            )
        return invoice_response(request, invoice)


class InvoiceAcknowledgeRejectionApi(ApiView):
    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)

    @extend_schema(
        operation_id="invoices_acknowledge_rejection",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=None,
        responses={200: InvoiceDetailSerializer},
        summary="Acknowledge a rejection (REJETEE)",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        with service_errors():
            invoice = services.invoice_acknowledge_rejection(user=request.user, invoice=invoice)
        return invoice_response(request, invoice)


class InvoiceProcessApi(ApiView):
    """The recipient's agent decides (``traiterFactureRecue``)."""

    token_scope = ApiScope.PROCESS

    error_codes = (409,)

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[(s, Status(s).label) for s in AGENT_TRANSITIONS],
            help_text="The new status.",
        )
        reason_code = serializers.CharField(
            max_length=40,
            required=False,
            allow_blank=True,
            default="",
            help_text="Required for REJETEE, SUSPENDUE and A_RECYCLER (GET rejection-reasons/).",
        )
        comment = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )
        mandate_number = serializers.CharField(
            max_length=30, required=False, allow_blank=True, default=""
        )
        expected_status = serializers.ChoiceField(
            choices=Status.choices,
            required=False,
            allow_null=True,
            default=None,
            help_text="The status you saw: if the invoice has moved since, 409.",
        )

    @extend_schema(
        operation_id="invoices_process",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=InputSerializer,
        responses={200: InvoiceDetailSerializer},
        summary="Process a received invoice (agent)",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.received_invoice_for(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reason = None
        if values["reason_code"]:
            reason = api_selectors.reason_by_code(values["reason_code"])
            if reason is None:
                raise exceptions.ValidationError({"reason_code": [messages.UNKNOWN_REASON]})
        with service_errors():
            invoice = services.invoice_process(
                user=request.user,
                invoice=invoice,
                target=values["status"],
                expected_status=values["expected_status"],
                reason=reason,
                comment=values["comment"],
                mandate_number=values["mandate_number"],
            )
        return invoice_response(request, invoice)


# --- billing frames A9 / A12: the validator's decision, the supplier's change of validator ------
class InvoiceValidationApi(ApiView):
    """The titular company (mandatary) validates or refuses an A9 / A12 invoice (A_VALIDER_1):
    validated, it is routed to the recipient; refused, it ends in REFUSEE_1."""

    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)

    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(
            choices=[("validate", "validate"), ("refuse", "refuse")],
            help_text="validate: VALIDEE_1, then routed; refuse: REFUSEE_1 (final).",
        )
        comment = serializers.CharField(
            max_length=2000,
            required=False,
            allow_blank=True,
            default="",
            help_text="The reason of a refusal (required then): the supplier reads it.",
        )
        expected_status = serializers.ChoiceField(
            choices=Status.choices,
            required=False,
            allow_null=True,
            default=None,
            help_text="The status you saw: if the invoice has moved since, 409.",
        )

    @extend_schema(
        operation_id="invoices_validation",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=InputSerializer,
        responses={200: InvoiceDetailSerializer},
        summary="Validate or refuse an A9 / A12 invoice (titular company, mandatary)",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.to_validate_one_for(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with service_errors():
            if values["decision"] == "validate":
                invoice = services.invoice_validate(
                    user=request.user, invoice=invoice, expected_status=values["expected_status"]
                )
            else:
                invoice = services.invoice_refuse_validation(
                    user=request.user,
                    invoice=invoice,
                    comment=values["comment"],
                    expected_status=values["expected_status"],
                )
        return invoice_response(request, invoice)


class InvoiceValidatorApi(ApiView):
    """The supplier names another validator while its A9 / A12 invoice waits (A_VALIDER_1)."""

    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)

    class InputSerializer(serializers.Serializer):
        validator_siret = serializers.CharField(max_length=20)

    @extend_schema(
        operation_id="invoices_change_validator",
        tags=["invoices"],
        parameters=[INVOICE_ID],
        request=InputSerializer,
        responses={200: InvoiceDetailSerializer},
        summary="Name another validator of an A9 / A12 invoice (supplier)",
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = selectors.sent_invoice_for(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            invoice = services.invoice_change_validator(
                user=request.user,
                invoice=invoice,
                validator_siret=data.validated_data["validator_siret"],
            )
        return invoice_response(request, invoice)
