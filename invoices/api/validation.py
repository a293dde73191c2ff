"""``POST invoices/validate/``: judge an invoice file as a deposit would, and store nothing.

The answer is ``ValidationReport.to_dict()`` as it is: the output serializers below only
describe it for the OpenAPI schema, field for field.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiScope
from chorus.api.views import ApiView
from einvoice.data import (
    PROFILE_BASIC,
    PROFILE_BASIC_WL,
    PROFILE_EN16931,
    PROFILE_EXTENDED,
    PROFILE_MINIMUM,
    PROFILE_XRECHNUNG,
)
from einvoice.findings import (
    FATAL,
    SOURCE_FRENCH_RULES,
    SOURCE_PROFILE,
    SOURCE_SCHEMATRON,
    SOURCE_XSD,
    WARNING,
)
from einvoice.reading import FORMAT_CII, FORMAT_FACTURX, FORMAT_UBL
from invoices import files, services
from invoices.api.actions import check_uploaded, file_errors

PROFILES = (
    PROFILE_MINIMUM,
    PROFILE_BASIC_WL,
    PROFILE_BASIC,
    PROFILE_EN16931,
    PROFILE_EXTENDED,
    PROFILE_XRECHNUNG,
)


def _text(help_text: str) -> serializers.CharField:
    return serializers.CharField(allow_null=True, help_text=help_text)


def _amount(help_text: str) -> serializers.CharField:
    # A string as the file wrote it (Decimal's text), not rounded to two places.
    return serializers.CharField(allow_null=True, help_text=f"{help_text}, a decimal string.")


class ValidationPartySerializer(serializers.Serializer):
    name = _text("The party's name.")
    siret = _text("Its SIRET (legal registration, scheme 0009), when given.")
    vat_id = _text("Its VAT number, when given.")

    class Meta:
        ref_name = "InvoiceValidateParty"


class ValidationFindingSerializer(serializers.Serializer):
    rule_id = serializers.CharField(help_text="The broken rule, e.g. BR-CO-15, XSD.")
    severity = serializers.ChoiceField(choices=[FATAL, WARNING])
    business_term = _text("The EN 16931 business term concerned, e.g. BT-112.")
    location = _text("Where in the XML, as a readable XPath.")
    message = serializers.CharField(help_text="The rule's own text.")
    explanation = _text(
        "What to change and in which field, in plain French, for every rule (always French, "
        "whatever the request's language: ``message`` is the rule's own text)."
    )
    source = serializers.ChoiceField(
        choices=[SOURCE_PROFILE, SOURCE_XSD, SOURCE_SCHEMATRON, SOURCE_FRENCH_RULES],
        help_text="Which check found it; fr-ctc (French reform rules) gives warnings only.",
    )

    class Meta:
        ref_name = "InvoiceValidateFinding"


class ValidationReportSerializer(serializers.Serializer):
    valid = serializers.BooleanField(
        help_text="The XSD passes and the profile's schematron has no fatal finding."
    )
    format = serializers.ChoiceField(choices=[FORMAT_FACTURX, FORMAT_CII, FORMAT_UBL])
    profile = serializers.ChoiceField(
        choices=PROFILES, allow_null=True, help_text="null when not recognised."
    )
    number = _text("BT-1.")
    issue_date = serializers.DateField(allow_null=True, help_text="BT-2.")
    currency = _text("BT-5.")
    total_excl_tax = _amount("BT-109")
    total_vat = _amount("BT-110")
    total_incl_tax = _amount("BT-112")
    seller = ValidationPartySerializer(allow_null=True, help_text="The seller (BG-4).")
    buyer = ValidationPartySerializer(allow_null=True, help_text="The buyer (BG-7).")
    service_code = _text("BT-10, the buyer reference: the recipient's service code (SE).")
    engagement_number = _text("BT-13, the purchase order: the engagement number (EJ).")
    errors = ValidationFindingSerializer(
        many=True, help_text="Fatal findings (the file is refused), each with what to change."
    )
    warnings = ValidationFindingSerializer(
        many=True, help_text="Findings that do not refuse the file."
    )

    class Meta:
        ref_name = "InvoiceValidationReport"


class InvoiceValidateApi(ApiView):
    """Check an invoice file (Factur-X PDF, CII or UBL XML) without depositing it."""

    token_scope = ApiScope.READ

    parser_classes = [parsers.MultiPartParser]
    max_body_size = files.MAX_FILE_SIZE + 1024 * 1024

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="A Factur-X / ZUGFeRD 2 PDF, a CII or UBL XML.")

        class Meta:
            ref_name = "InvoiceValidateInput"

    @extend_schema(
        operation_id="invoices_validate",
        tags=["invoices"],
        request={"multipart/form-data": InputSerializer},
        responses={200: ValidationReportSerializer},
        summary="Check an invoice file without depositing it",
        description=(
            "Multipart form: `file`. Nothing is stored. The file is recognised (Factur-X / "
            "ZUGFeRD 2 PDF, CII, UBL 2.1 Invoice or CreditNote), checked against the XSD then "
            "the schematron of its profile; the French reform rules give warnings only. "
            "`200` with the report for any readable invoice file, valid or not: each finding "
            "names its rule, the business term, where it is, and says in French what to "
            "change. An unreadable file or a PDF with no invoice XML → `400`; a type that is "
            "neither PDF nor XML → `415`; a file too large → `413`."
        ),
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        check_uploaded(upload, invoice=True)
        with file_errors():
            report = services.validate_invoice_file(
                services.read_invoice_upload(upload), upload.name or ""
            )
        return Response(report.to_dict(), status=status.HTTP_200_OK)
