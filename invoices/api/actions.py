"""The writes of the invoices API: one thin view per operation, each calling one service.

Service refusals become API errors here: a refused field → 400 with the field's messages, a
status that does not allow the action (or lost a race) → 409, an invoice the user may not act
on → 404. Every action answers with the invoice as it now stands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
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
from structures.models import BankAccount, Structure
from structures.selectors import (
    closed_establishment_reason,
    iban_warning,
)

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
    return _acceptable_supplier(api_selectors.supplier_of(user, siret))


def supplier_with_accounts_for(user: Any, siret: str) -> tuple[Structure, list[BankAccount]]:
    """``supplier_for`` and the structure's active bank accounts, read together (what a deposit
    passes to ``invoice_input_with_account``)."""
    structure, accounts = api_selectors.supplier_with_accounts(user, siret)
    return _acceptable_supplier(structure), accounts


def _acceptable_supplier(structure: Structure | None) -> Structure:
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


class DepositWarningSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="IBAN_NOT_REGISTERED: the file's IBAN (BT-84) is not an active bank account "
        "of the supplier structure — check it (a changed IBAN is how invoice fraud begins).",
    )
    field = serializers.CharField(help_text="The invoice field concerned.")
    message = serializers.CharField()

    class Meta:
        ref_name = "DepositWarning"


class InvoiceUploadedSerializer(InvoiceDetailSerializer):
    warnings = DepositWarningSerializer(
        many=True, help_text="What to check although the invoice was deposited (never blocking)."
    )

    class Meta:
        ref_name = "InvoiceUploaded"


def deposit_warnings(invoice: Invoice) -> list[dict[str, str]]:
    """What the upload page warns of before its deposit, given with the API's answer."""
    text = iban_warning(invoice.supplier, invoice.iban) if invoice.is_structured else None
    return [{"code": "IBAN_NOT_REGISTERED", "field": "iban", "message": text}] if text else []


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
        responses={201: InvoiceUploadedSerializer},
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
            "`BR-CO-15`); `POST invoices/validate/` gives the full report. An IBAN (BT-84) "
            "that is not an active bank account of the supplier structure does not block "
            "the deposit: the answer's `warnings` says so (`IBAN_NOT_REGISTERED`).\n"
            "- **Plain PDF**: the header fields and the three totals (`total_excl_tax`, "
            "`total_vat`, `total_incl_tax`, required then) must be given; the account to "
            "credit is `bank_account` (or a typed `iban`, as for a typed invoice).\n\n"
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
        supplier, accounts = supplier_with_accounts_for(request.user, values["supplier_siret"])
        with service_errors():
            header = services.invoice_input_with_account(
                header_input(values),
                bank_account=values["bank_account"],
                active_accounts=accounts,
            )
            invoice = services.invoice_upload_pdf(
                user=request.user,
                supplier=supplier,
                data=header,
                main_file=values["file"],
                attachments=attachments,
                deposit_mode=DepositMode.DEPOT_PDF_API,
            )
        return self._answer(request, invoice)

    def _answer(self, request: AuthenticatedRequest, invoice: Invoice) -> Response:
        response = invoice_response(request, invoice, status.HTTP_201_CREATED)
        response.data["warnings"] = deposit_warnings(invoice)
        return response

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
        return self._answer(request, invoice)


def expected_status_field() -> serializers.ChoiceField:
    """The status the caller saw: a decision on an invoice that has moved since is a 409."""
    return serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The status you saw: if the invoice has moved since, 409.",
    )


# --- the actions on one invoice -----------------------------------------------------------------
# Every one: the invoice the user may act on (else 404), its input checked (400), one service
# called (its refusals: 400, 409, 404), the invoice as it now stands. A view declares its
# selector, its input and its service call; ``invoice_action`` gives it its schema.
Selector = Callable[[Any, int], Invoice]


class InvoiceActionApi(ApiView):
    # No docstring: drf-spectacular would print it as the description of every action that has
    # none of its own.
    token_scope = ApiScope.DEPOSIT
    error_codes = (409,)
    # The invoices the user may do this to: another is a 404.
    invoice_for: Selector = staticmethod(selectors.sent_invoice_for)
    # The body's fields; None: the action takes none.
    InputSerializer: type[serializers.Serializer] | None = None

    def validated(self, request: AuthenticatedRequest) -> dict[str, Any]:
        return self.checked(request.data)

    def checked(self, payload: Any) -> dict[str, Any]:
        if self.InputSerializer is None:
            return {}
        data = self.InputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        raise NotImplementedError

    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        invoice = self.invoice_for(request.user, pk)
        values = self.validated(request)
        with service_errors():
            invoice = self.act(request, invoice, values)
        return invoice_response(request, invoice)


ActionView = TypeVar("ActionView", bound=type[InvoiceActionApi])


def invoice_action(**schema: Any) -> Callable[[ActionView], ActionView]:
    """The schema of an action: the invoice's id in the path, the view's ``InputSerializer``
    as the body (in each media type its parsers read), the invoice as the answer."""

    def decorate(view: ActionView) -> ActionView:
        operation = extend_schema(
            tags=["invoices"],
            parameters=[INVOICE_ID],
            request=view.InputSerializer,
            responses={200: InvoiceDetailSerializer},
            **schema,
        )
        return extend_schema_view(post=operation)(view)

    return decorate


@invoice_action(
    operation_id="invoices_submit",
    summary="Send a draft",
    description="Runs every deposit check; the draft becomes DEPOSEE and is routed.",
)
class InvoiceSubmitApi(InvoiceActionApi):
    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        return services.invoice_deposit(user=request.user, invoice=invoice)


@invoice_action(
    operation_id="invoices_recycle",
    summary="Correct the recipient data of an invoice sent back (A_RECYCLER)",
)
class InvoiceRecycleApi(InvoiceActionApi):
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

    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        return services.invoice_recycle(user=request.user, invoice=invoice, **values)


@invoice_action(
    operation_id="invoices_complete",
    summary="Answer a suspension (SUSPENDUE) with documents and/or a comment",
)
class InvoiceCompleteApi(InvoiceActionApi):
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

    def validated(self, request: AuthenticatedRequest) -> dict[str, Any]:
        attachments = uploaded_files(request, "attachments")
        payload = request.data
        if isinstance(payload, Mapping):  # else (a JSON array…): the serializer's 400
            payload = {"comment": payload.get("comment", "")}
        return {"comment": self.checked(payload)["comment"], "attachments": attachments}

    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        return services.invoice_complete(user=request.user, invoice=invoice, **values)


@invoice_action(
    operation_id="invoices_acknowledge_rejection",
    summary="Acknowledge a rejection (REJETEE)",
)
class InvoiceAcknowledgeRejectionApi(InvoiceActionApi):
    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        return services.invoice_acknowledge_rejection(user=request.user, invoice=invoice)


@invoice_action(
    operation_id="invoices_process",
    summary="Process a received invoice (agent)",
)
class InvoiceProcessApi(InvoiceActionApi):
    """The recipient's agent decides (``traiterFactureRecue``)."""

    token_scope = ApiScope.PROCESS
    invoice_for = staticmethod(selectors.received_invoice_for)

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
        expected_status = expected_status_field()

    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        reason = None
        if values["reason_code"]:
            reason = api_selectors.reason_by_code(values["reason_code"])
            if reason is None:
                raise exceptions.ValidationError({"reason_code": [messages.UNKNOWN_REASON]})
        return services.invoice_process(
            user=request.user,
            invoice=invoice,
            target=values["status"],
            expected_status=values["expected_status"],
            reason=reason,
            comment=values["comment"],
            mandate_number=values["mandate_number"],
        )


# --- billing frames A9 / A12: the validator's decision, the supplier's change of validator ------
@invoice_action(
    operation_id="invoices_validation",
    summary="Validate or refuse an A9 / A12 invoice (titular company, mandatary)",
)
class InvoiceValidationApi(InvoiceActionApi):
    """The titular company (mandatary) validates or refuses an A9 / A12 invoice (A_VALIDER_1):
    validated, it is routed to the recipient; refused, it ends in REFUSEE_1."""

    invoice_for = staticmethod(selectors.to_validate_one_for)

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
        expected_status = expected_status_field()

    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        if values["decision"] == "validate":
            return services.invoice_validate(
                user=request.user, invoice=invoice, expected_status=values["expected_status"]
            )
        return services.invoice_refuse_validation(
            user=request.user,
            invoice=invoice,
            comment=values["comment"],
            expected_status=values["expected_status"],
        )


@invoice_action(
    operation_id="invoices_change_validator",
    summary="Name another validator of an A9 / A12 invoice (supplier)",
)
class InvoiceValidatorApi(InvoiceActionApi):
    """The supplier names another validator while its A9 / A12 invoice waits (A_VALIDER_1)."""

    class InputSerializer(serializers.Serializer):
        validator_siret = serializers.CharField(max_length=20)

    def act(
        self, request: AuthenticatedRequest, invoice: Invoice, values: dict[str, Any]
    ) -> Invoice:
        return services.invoice_change_validator(
            user=request.user, invoice=invoice, validator_siret=values["validator_siret"]
        )
