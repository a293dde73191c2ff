"""Findings: a broken rule, the field it concerns, where, and what to change.

Built from the SVRL of a schematron run or from the XSD error log. The Factur-X schematron
checks code lists and cardinalities with generated ids (``FX-SCH-A-000581``) where EN 16931
names the rule (``BR-CL-11``); such findings are reported under the EN 16931 rule they restate,
the Factur-X id kept in ``restates``, and merged with the EN 16931 finding when both fire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from einvoice import schematron
from einvoice.explanations import business_term, explain

FATAL = "fatal"
WARNING = "warning"

SOURCE_PROFILE = "profile"
SOURCE_XSD = "xsd"
SOURCE_SCHEMATRON = "schematron"
SOURCE_FRENCH_RULES = "fr-ctc"

_RULE_IN_TEXT = re.compile(r"^\[?([A-Z]{2,}[A-Z0-9]*(?:-[A-Z0-9]+)+)\]?\s*[-:]")
_FRENCH_RULE = re.compile(r"BR-FR-(?:[A-Z]+-)?\d+")
_FRENCH_RULE_IN_TEXT = re.compile(r"\s*\[?(BR-FR-(?:[A-Z]+-)?\d+)\b")
_NAMESPACE_PREDICATE = re.compile(r"\[namespace-uri\(\)='[^']*'\]")
_FIRST_INDEX = re.compile(r"\[1\]")
_BUYER_TERMS = {
    "BT-27": "BT-44",
    "BT-29": "BT-46",
    "BT-30": "BT-47",
    "BT-31": "BT-48",
    "BT-34": "BT-49",
    "BT-40": "BT-55",
    "BG-4": "BG-7",
}
_CLARK_PREFIXES = {
    "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}": "ram:",
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}": "rsm:",
    "{urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100}": "udt:",
    "{urn:un:unece:uncefact:data:standard:QualifiedDataType:100}": "qdt:",
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}": "cbc:",
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}": "cac:",
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}": "",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}": "",
}

# Factur-X checks that restate an EN 16931 rule: (end of the location, part of the text, rule).
FACTURX_EQUIVALENTS: tuple[tuple[str, str, str], ...] = (
    ("/ExchangedDocument", "'ram:ID' must occur", "BR-02"),
    ("/ApplicableHeaderTradeSettlement", "'ram:InvoiceCurrencyCode' must occur", "BR-05"),
    ("/SellerTradeParty", "'ram:Name' must occur", "BR-06"),
    ("/BuyerTradeParty", "'ram:Name' must occur", "BR-07"),
    ("/SupplyChainTradeTransaction", "'ram:IncludedSupplyChainTradeLineItem' must", "BR-16"),
    ("/ExchangedDocument/TypeCode", "is not allowed", "BR-CL-01"),
    ("/InvoiceCurrencyCode", "is not allowed", "BR-CL-04"),
    ("/GlobalID", "'@schemeID' is not allowed", "BR-CL-10"),
    ("/SpecifiedLegalOrganization/ID", "'@schemeID' is not allowed", "BR-CL-11"),
    ("/CountryID", "is not allowed", "BR-CL-14"),
    ("/SpecifiedTradeSettlementPaymentMeans/TypeCode", "is not allowed", "BR-CL-16"),
    ("/ExemptionReasonCode", "is not allowed", "BR-CL-22"),
    ("/BilledQuantity", "'@unitCode' is not allowed", "BR-CL-23"),
    ("/URIID", "'@schemeID' is not allowed", "BR-CL-25"),
)


@dataclass(frozen=True)
class Finding:
    """One broken rule, with the field it concerns and what to change."""

    rule_id: str  # e.g. BR-CO-15, XSD, CHORUS-PROFILE
    severity: str  # fatal or warning
    message: str  # the rule's own text
    business_term: str | None = None  # e.g. BT-112
    location: str | None = None  # where in the XML, as a readable XPath
    explanation: str | None = None  # plain French: what to change
    source: str = SOURCE_SCHEMATRON  # profile, xsd, schematron or fr-ctc
    restates: str | None = None  # the Factur-X rule id this EN 16931 finding comes from

    def to_dict(self) -> dict[str, str | None]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "business_term": self.business_term,
            "location": self.location,
            "message": self.message,
            "explanation": self.explanation,
            "source": self.source,
        }


def portal_finding(
    rule_id: str, message: str, *, source: str, severity: str = FATAL, location: str | None = None
) -> Finding:
    """A finding that is not a schematron assertion: XSD error, unknown profile…"""
    help_ = explain(rule_id, message, location or "")
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=message,
        business_term=help_.business_term if help_ else None,
        location=location,
        explanation=help_.text if help_ else None,
        source=source,
    )


def readable_location(location: str) -> str:
    """``/*:A[namespace-uri()='…'][1]/*:B[namespace-uri()='…'][2]`` → ``/A/B[2]``."""
    location = _NAMESPACE_PREDICATE.sub("", location).replace("*:", "")
    return _FIRST_INDEX.sub("", location)


def readable_xsd_message(message: str) -> str:
    for clark, prefix in _CLARK_PREFIXES.items():
        message = message.replace(clark, prefix)
    return message


def _rule_id(assertion: schematron.Assertion, source: str) -> str:
    rule_id = assertion.rule_id
    if not rule_id:
        match = _RULE_IN_TEXT.match(assertion.text)
        if match:
            rule_id = match.group(1)
        elif "marked as not used in the given context" in assertion.text:
            rule_id = "FX-UNUSED"
        else:
            rule_id = "SCHEMATRON"
    if source == SOURCE_FRENCH_RULES:
        # The French rules have ids such as "BR-FR-05_BT-22_PMT": the rule is BR-FR-05. Their
        # text opens with the rule it checks ("[BR-FR-15/BT-151] : …"), which wins: the UBL
        # stylesheet gives some checks the id of another rule ("BR-FR-08_BT-151-2" checks
        # BR-FR-15, "BR-FR-30_BT-21" BR-FR-31), and BR-FR-08 is one the portal ignores.
        named = _FRENCH_RULE_IN_TEXT.match(assertion.text)
        if named:
            return named.group(1)
        match = _FRENCH_RULE.search(f"{rule_id} {assertion.text}")
        rule_id = match.group(0) if match else rule_id
    return rule_id


def _equivalent(rule_id: str, location: str, text: str) -> str | None:
    if not rule_id.startswith("FX-SCH-"):
        return None
    for suffix, text_part, equivalent in FACTURX_EQUIVALENTS:
        if location.endswith(suffix) and text_part in text:
            return equivalent
    return None


def _term(rule_id: str, text: str, location: str) -> str | None:
    term = business_term(rule_id, text, location)
    about_buyer = "BuyerTradeParty" in location or "AccountingCustomerParty" in location
    if term and about_buyer:
        return _BUYER_TERMS.get(term, term)
    return term


def from_assertion(assertion: schematron.Assertion, source: str) -> Finding:
    rule_id = _rule_id(assertion, source)
    location = readable_location(assertion.location)
    equivalent = _equivalent(rule_id, location, assertion.text)
    restates = None
    if equivalent:
        rule_id, restates = equivalent, rule_id
    flagged_warning = assertion.flag in ("warning", "information")
    # The French reform rules are warnings at most: they refuse valid public-sector invoices.
    severity = WARNING if flagged_warning or source == SOURCE_FRENCH_RULES else FATAL
    help_ = explain(rule_id, assertion.text, location)
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=f"[{restates}] {assertion.text}" if restates else assertion.text,
        business_term=_term(rule_id, assertion.text, location),
        location=location or None,
        explanation=help_.text if help_ else None,
        source=source,
        restates=restates,
    )


def merge_restatements(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: a Factur-X restatement folds into the EN 16931 finding.

    The EN 16931 finding keeps its own text; it takes the restatement's location when its own
    is only the document root (EN 16931 rules such as BR-07 are checked from the root).
    """
    originals = {f.rule_id: i for i, f in enumerate(findings) if f.restates is None}
    merged = list(findings)
    dropped = set()
    for index, finding in enumerate(findings):
        target = originals.get(finding.rule_id)
        if finding.restates is None or target is None:
            continue
        original = merged[target]
        if (original.location or "").count("/") <= 1:
            merged[target] = replace(original, location=finding.location)
        dropped.add(index)
    return [finding for index, finding in enumerate(merged) if index not in dropped]
