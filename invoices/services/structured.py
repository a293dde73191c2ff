"""A structured invoice file deposited: a Factur-X PDF, a CII or a UBL 2.1 XML.

The file is recognised and judged by the official artefacts (``einvoice.validation``), then by
the portal's own rules (recipient known and public, SE usable, EJ when required, the seller is
the depositing structure...), which come first in what the supplier reads. A file that passes
becomes an invoice whose data are the file's, the file itself kept byte for byte as the main
document.

- ``structured_file_preview``: read-only; the verdict, the mapped invoice and every problem
  tied to the deposit form's field it concerns.
- ``invoice_draft_structured_file``: the browser's first step, a draft to review and confirm.
- ``invoice_deposit_structured_file``: the API's single step, deposited when it passes.

A file that cannot be judged at all raises ``einvoice.errors.InvoiceFileError``
(``http_status`` 400, 413 or 415); a file judged and refused raises ``StructuredFileRefused``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from chorus.formatting import colon
from einvoice.data import PROFILES_WITHOUT_LINES, InvoiceData
from einvoice.errors import FileTooLarge, NoInvoiceInPdf, UnreadableFile
from einvoice.findings import FATAL, Finding
from einvoice.reading import FORMAT_FACTURX, sniff, xml_from_pdf
from einvoice.validation import ValidationReport, validate_file
from invoices import checks, files
from invoices.einvoice_mapping import data_to_invoice_input, form_field_for
from invoices.models import Attachment, DepositMode, Invoice, InvoiceLine
from invoices.services._files import (
    NewFile,
    check_upload,
)
from invoices.services.common import (
    INVOICE_UNCHECKED,
    InvoiceError,
    InvoiceInput,
    LineInput,
    RecipientDirectory,
    model_errors,
)
from invoices.services.deposit import (
    apply_amounts,
    apply_header,
    build_lines,
    invoice_deposit,
    invoice_save_draft,
)
from structures.models import Structure
from structures.siret import format_siret

if TYPE_CHECKING:
    from accounts.models import User

PORTAL_RULE = "CHORUS"
# For each form field a portal rule may refuse: the business term that carries it in a file,
# and where to change it there.
FILE_PLACES: dict[str, tuple[str, Any]] = {
    "supplier": (
        "BT-30",
        gettext_lazy("l'identifiant légal du vendeur (BT-30, SIRET, schéma 0009)"),
    ),
    "recipient_siret": (
        "BT-47",
        gettext_lazy("l'identifiant légal de l'acheteur (BT-47, SIRET, schéma 0009)"),
    ),
    "service_code": ("BT-10", gettext_lazy("la référence de l'acheteur (BT-10, BuyerReference)")),
    "engagement_number": ("BT-13", gettext_lazy("la référence du bon de commande (BT-13)")),
    "market_number": ("BT-12", gettext_lazy("la référence du contrat (BT-12)")),
    "number": ("BT-1", gettext_lazy("le numéro de facture (BT-1)")),
    "issue_date": ("BT-2", gettext_lazy("la date de facture (BT-2)")),
    "original_invoice_number": (
        "BT-25",
        gettext_lazy("la référence à la facture d'origine (BT-25)"),
    ),
    "currency": ("BT-5", gettext_lazy("le code de devise (BT-5)")),
    "billing_frame": ("BT-23", gettext_lazy("le cadre de facturation (BT-23)")),
    # EN 16931 has no place for the titular company (mandatary) of an A9 (A12) invoice: such an
    # invoice is deposited through the entry form or the API, which ask for its SIRET.
    "validator_siret": (
        "BT-23",
        gettext_lazy(
            "le cadre de facturation (BT-23) : un fichier ne peut pas nommer le titulaire ou le "
            "mandataire, déposez une facture A9 ou A12 par la saisie ou par l'API"
        ),
    ),
    "iban": ("BT-84", gettext_lazy("l'IBAN du compte à créditer (BT-84)")),
    "bic": ("BT-86", gettext_lazy("le BIC (BT-86)")),
    "total_excl_tax": ("BT-109", gettext_lazy("le total HT (BT-109)")),
    "total_vat": ("BT-110", gettext_lazy("le total de TVA (BT-110)")),
    "total_incl_tax": ("BT-112", gettext_lazy("le total TTC (BT-112)")),
    "prepaid_amount": ("BT-113", gettext_lazy("le montant déjà payé (BT-113)")),
    "amount_due": ("BT-115", gettext_lazy("le net à payer (BT-115)")),
    "vat_regime": ("BG-23", gettext_lazy("le récapitulatif de TVA (BG-23)")),
    "vat_exemption_reason": ("BT-120", gettext_lazy("le motif d'exonération (BT-120)")),
}


@dataclass(frozen=True)
class Problem:
    """Why a file is refused (or what it could do better), tied to a deposit form field."""

    field: str  # a field of the deposit form, "lines", or "" when it concerns none
    rule_id: str  # CHORUS for the portal's own rules, else the broken rule (BR-CO-15…)
    severity: str  # fatal or warning
    message: str
    explanation: str | None = None  # what to change, in French
    business_term: str | None = None
    location: str | None = None

    @property
    def is_portal_rule(self) -> bool:
        return self.rule_id == PORTAL_RULE

    @property
    def shown_explanation(self) -> str | None:
        """What to change, as this reader sees it. The rules' explanations are French product
        content: shown in French only, the rule's own text (English for the standard's rules)
        saying what is wrong in English. The portal's own explanations are translated."""
        if self.is_portal_rule or (get_language() or "fr")[:2] == "fr":
            return self.explanation
        return None

    @property
    def message_with_help(self) -> str:
        """The message and what to change, in one line (the API's refusal, a flux's rejects)."""
        if self.shown_explanation:
            return f"{self.message} {_('À changer :')} {self.shown_explanation}"
        return self.message

    def to_dict(self) -> dict[str, str | None]:
        return {
            "field": self.field or None,
            "rule_id": self.rule_id,
            "severity": self.severity,
            "business_term": self.business_term,
            "location": self.location,
            "message": self.message,
            "explanation": self.explanation,
        }


def _portal_problem(field_name: str, message: str) -> Problem:
    term, place = FILE_PLACES.get(field_name, (None, None))
    explanation = _("Corrigez dans le fichier %(place)s.") % {"place": place} if place else None
    return Problem(
        field=field_name if field_name != "__all__" else "",
        rule_id=PORTAL_RULE,
        severity=FATAL,
        message=message,
        explanation=explanation,
        business_term=term,
    )


def problems_from_errors(errors: dict[str, list[str]]) -> list[Problem]:
    """A deposit's refusal (``InvoiceError.errors``) told as problems of a structured file."""
    return [
        _portal_problem(name, message) for name, messages in errors.items() for message in messages
    ]


def _finding_problem(finding: Finding) -> Problem:
    return Problem(
        field=form_field_for(finding.business_term) or "",
        rule_id=finding.rule_id,
        severity=finding.severity,
        message=finding.message,
        explanation=finding.explanation,
        business_term=finding.business_term,
        location=finding.location,
    )


def findings_as_problems(findings: Sequence[Finding]) -> list[Problem]:
    """A validation report's findings, each with the deposit form's field it concerns."""
    return [_finding_problem(finding) for finding in findings]


@dataclass(frozen=True)
class StructuredFilePreview:
    """The verdict on a file and, when it could be read, the invoice it makes."""

    report: ValidationReport
    invoice_input: InvoiceInput | None
    lines: tuple[LineInput, ...] = ()
    portal_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def data(self) -> InvoiceData | None:
        return self.report.invoice

    @property
    def accepted(self) -> bool:
        return self.report.valid and self.invoice_input is not None and not self.portal_errors

    @property
    def problems(self) -> list[Problem]:
        """Every fatal problem, the portal's own rules first."""
        return problems_from_errors(self.portal_errors) + findings_as_problems(self.report.errors)

    @property
    def warnings(self) -> list[Problem]:
        return findings_as_problems(self.report.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The validation report's answer plus the portal's verdict and problems."""
        return {
            **self.report.to_dict(),
            "accepted": self.accepted,
            "problems": [problem.to_dict() for problem in self.problems],
        }


class StructuredFileRefused(InvoiceError):
    """The file was judged and refused; ``preview`` says why, field by field."""

    def __init__(self, preview: StructuredFilePreview) -> None:
        self.preview = preview
        errors: dict[str, list[str]] = defaultdict(list)
        for problem in preview.problems:
            errors[problem.field or "main_file"].append(
                f"{problem.rule_id}{colon()} {problem.message_with_help}"
            )
        super().__init__(dict(errors))


# --- reading ---------------------------------------------------------------------------------
def read_invoice_upload(upload: files.UploadedFileLike) -> bytes:
    """The bytes of an uploaded invoice file, refused before reading when over the limit."""
    limit = settings.INVOICE_FILE_MAX_BYTES
    if (upload.size or 0) > limit:
        raise FileTooLarge(
            _("Le fichier dépasse la taille maximale de %(size)s Mo.") % {"size": limit // 2**20}
        )
    upload.seek(0)
    return upload.read()


def is_structured_file(content: bytes, filename: str) -> bool:
    """An XML file, or a PDF carrying an invoice XML; False for a plain PDF, and for a broken
    file or an XML (or HTML) file named ``.pdf`` (the PDF deposit says what is wrong with it).

    Raises ``UnsupportedFileType`` (neither PDF nor XML) and ``UnreadableFile`` (empty, or a
    broken file named ``.xml``).
    """
    try:
        kind = sniff(content, filename)
    except UnreadableFile:
        if content and filename.lower().endswith(".pdf"):
            return False
        raise
    if kind == "xml":
        # Named .pdf, it is a PDF deposit: that check says the content is not a PDF.
        return not filename.lower().endswith(".pdf")
    try:
        xml_from_pdf(content)
    except (NoInvoiceInPdf, UnreadableFile):
        return False
    return True


# --- the portal's own rules --------------------------------------------------------------------
def _seller_problem(supplier: Structure, data: InvoiceData) -> str | None:
    seller = data.seller
    if supplier.siret:
        if seller.siret == supplier.siret or (
            not seller.siret and seller.siren == supplier.siret[:9]
        ):
            return None
        return _(
            "Le vendeur du fichier (SIRET %(found)s) n'est pas la structure qui dépose "
            "(%(name)s, SIRET %(siret)s)."
        ) % {
            "found": format_siret(seller.siret or seller.siren) or "—",
            "name": supplier.name,
            "siret": format_siret(supplier.siret),
        }
    if supplier.vat_number and seller.vat_id and seller.vat_id != supplier.vat_number:
        return _("Le numéro de TVA du vendeur du fichier n'est pas celui de votre structure.")
    return None


def _file_errors(
    supplier: Structure, data: InvoiceData, report: ValidationReport
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    seller = _seller_problem(supplier, data)
    if seller:
        errors["supplier"].append(seller)
    if report.format != FORMAT_FACTURX and report.profile in PROFILES_WITHOUT_LINES:
        errors["main_file"].append(
            _(
                "Un fichier XML au profil %(profile)s ne porte pas toute la facture : déposez "
                "le PDF Factur-X qui le contient."
            )
            % {"profile": report.profile}
        )
    return errors


def _portal_errors(
    *,
    user: User,
    supplier: Structure,
    data: InvoiceData,
    header: InvoiceInput,
    mode: str,
    report: ValidationReport,
    facts: checks.DepositFacts | None = None,
    directory: RecipientDirectory | None = None,
) -> dict[str, list[str]]:
    """The deposit checks, run on an unsaved invoice made of the file's data."""
    invoice = Invoice(supplier=supplier, created_by=user, deposit_mode=mode)
    apply_header(invoice, header, directory)
    apply_amounts(invoice, header, [])
    errors: dict[str, list[str]] = defaultdict(list)
    for source in (
        model_errors(invoice, exclude=INVOICE_UNCHECKED),
        checks.deposit_errors(invoice, user=user, facts=facts),
        _file_errors(supplier, data, report),
    ):
        for name, messages in source.items():
            errors[name].extend(m for m in messages if m not in errors[name])
    return dict(errors)


def validate_invoice_file(content: bytes, filename: str) -> ValidationReport:
    """The standards' verdict on an uploaded file, within the portal's size limit (the setting
    ``INVOICE_FILE_MAX_BYTES`` bounds the file and the XML inside a PDF alike)."""
    return validate_file(content, filename, max_bytes=settings.INVOICE_FILE_MAX_BYTES)


def structured_file_preview(
    *,
    user: User,
    supplier: Structure,
    content: bytes,
    filename: str,
    deposit_mode: str = DepositMode.UPLOAD_WEB,
) -> StructuredFilePreview:
    """Judge a file as a deposit by ``supplier`` would; stores nothing."""
    report = validate_invoice_file(content, filename)
    return judge_report(user=user, supplier=supplier, report=report, deposit_mode=deposit_mode)


def judge_report(
    *,
    user: User,
    supplier: Structure,
    report: ValidationReport,
    deposit_mode: str,
    facts: checks.DepositFacts | None = None,
    directory: RecipientDirectory | None = None,
) -> StructuredFilePreview:
    """``structured_file_preview`` of a file already validated (``report``): the portal's
    rules on the invoice it carries. ``facts`` and ``directory``: a batch's (see
    ``invoices.services.batch``), which validates its files once, before judging them."""
    if report.invoice is None:
        return StructuredFilePreview(report=report, invoice_input=None)
    header, lines = data_to_invoice_input(report.invoice)
    errors = _portal_errors(
        user=user,
        supplier=supplier,
        data=report.invoice,
        header=header,
        mode=deposit_mode,
        report=report,
        facts=facts,
        directory=directory,
    )
    return StructuredFilePreview(
        report=report, invoice_input=header, lines=tuple(lines), portal_errors=errors
    )


# --- writes ----------------------------------------------------------------------------------
def _keep_lines(invoice: Invoice, preview: StructuredFilePreview) -> None:
    """Store the file's lines for the pages when the portal's line model holds them exactly
    (same amounts, known unit); otherwise the lines stay in the file only."""
    InvoiceLine.objects.bulk_create(lines_to_keep(invoice, preview))


def lines_to_keep(invoice: Invoice, preview: StructuredFilePreview) -> list[InvoiceLine]:
    """``_keep_lines``'s rows, not saved: none when the portal's model cannot hold them."""
    data = preview.data
    if not preview.lines or data is None:
        return []
    try:
        built = build_lines(invoice, preview.lines)
    except InvoiceError:
        return []
    if any(row.net_amount != line.net_amount for row, line in zip(built, data.lines, strict=True)):
        return []
    return built


def main_file(content: bytes, filename: str, *, parsed: bool = False) -> NewFile:
    """A structured file kept as the invoice's main document, checked as any upload;
    ``parsed``: its XML was read whole by the validation that accepted it."""
    try:
        checked = files.check_file(ContentFile(content, name=filename), parsed=parsed)
    except files.FileRefused as exc:
        raise InvoiceError({"main_file": [exc.message]}) from None
    return NewFile(kind=Attachment.Kind.MAIN, checked=checked)


@transaction.atomic
def invoice_draft_structured_file(
    *,
    user: User,
    supplier: Structure,
    content: bytes,
    filename: str,
    attachments: Sequence[files.UploadedFileLike] = (),
    deposit_mode: str = DepositMode.UPLOAD_WEB,
) -> Invoice:
    """A draft made of a file that passes, to review then deposit; refused files store nothing."""
    preview = structured_file_preview(
        user=user, supplier=supplier, content=content, filename=filename, deposit_mode=deposit_mode
    )
    if not preview.accepted or preview.invoice_input is None:
        raise StructuredFileRefused(preview)
    new_files = [main_file(content, filename)]
    new_files += [check_upload(f, field="attachments", must_be_pdf=False) for f in attachments]
    draft = invoice_save_draft(
        user=user,
        supplier=supplier,
        data=preview.invoice_input,
        deposit_mode=deposit_mode,
        new_files=new_files,
    )
    _keep_lines(draft, preview)
    return draft


@transaction.atomic
def invoice_deposit_structured_file(
    *,
    user: User,
    supplier: Structure,
    content: bytes,
    filename: str,
    attachments: Sequence[files.UploadedFileLike] = (),
    deposit_mode: str = DepositMode.UPLOAD_API,
) -> Invoice:
    """Deposit a file that passes (DEPOSEE, certificate, routing), in one transaction."""
    draft = invoice_draft_structured_file(
        user=user,
        supplier=supplier,
        content=content,
        filename=filename,
        attachments=attachments,
        deposit_mode=deposit_mode,
    )
    return invoice_deposit(user=user, invoice=draft)
