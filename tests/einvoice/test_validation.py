"""Validation: broken copies of a valid invoice fire exactly the rules they break, in French."""

from __future__ import annotations

import dataclasses
import json

import facturx
import pytest
from lxml import etree

from einvoice.data import PaymentMeans, computed
from einvoice.explanations import EXPLANATIONS
from einvoice.facturx import build_cii, build_ubl, business_terms
from einvoice.rulebook import lookup
from einvoice.validation import validate_file

from .samples import (
    BUYER,
    CII_NS,
    HEADER_TAX,
    MINIMUM_CII,
    STANDARDS_DIR,
    SUMMATION,
    UBL_NS,
    invoice,
    line,
    mutate_xml,
    plus,
    remove,
    set_attribute,
    set_text,
    varied_invoices,
)

RAM = CII_NS["ram"]
FIRST_LINE_TOTAL = (
    "//ram:IncludedSupplyChainTradeLineItem[1]"
    "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
)
SELLER_LEGAL_ID = "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"
EXEMPT_TAX = f"{HEADER_TAX}[ram:CategoryCode='E']"
ZERO_TAX = f"{HEADER_TAX}[ram:CategoryCode='Z']"


def cii(change, data=None) -> bytes:
    return mutate_xml(build_cii(data or invoice()), CII_NS, change)


def ubl(change, data=None) -> bytes:
    return mutate_xml(build_ubl(data or invoice()), UBL_NS, change)


def judge(xml: bytes):
    return validate_file(xml, "facture.xml")


# --- Broken copies of a valid invoice, and the rules each must fire ------------------------

BROKEN_COPIES = {
    "grand_total_plus_a_cent": (
        set_text(f"{SUMMATION}/ram:GrandTotalAmount", plus("0.01")),
        set_text("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", plus("0.01")),
        {"BR-CO-15", "BR-CO-16"},
    ),
    "one_vat_amount_wrong": (
        set_text(f"{HEADER_TAX}[1]/ram:CalculatedAmount", plus("0.01")),
        set_text("cac:TaxTotal/cac:TaxSubtotal[1]/cbc:TaxAmount", plus("0.01")),
        {"BR-CO-14"},
    ),
    "line_total_with_three_decimals": (
        set_text(FIRST_LINE_TOTAL, lambda text: text + "0"),
        set_text("cac:InvoiceLine[1]/cbc:LineExtensionAmount", lambda text: text + "0"),
        {"BR-DEC-23"},
    ),
    "buyer_name_removed": (
        remove("//ram:BuyerTradeParty/ram:Name"),
        remove("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
        {"BR-07"},
    ),
    "seller_vat_id_removed": (
        remove("//ram:SellerTradeParty/ram:SpecifiedTaxRegistration"),
        remove("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"),
        {"BR-S-02"},
    ),
    "siret_scheme_1_instead_of_0009": (
        set_attribute(SELLER_LEGAL_ID, "schemeID", "1"),
        set_attribute(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
            "schemeID",
            "1",
        ),
        {"BR-CL-11"},
    ),
}
# UBL also has a data-type rule on amounts: three decimals break UBL-DT-01 as well.
UBL_ALSO = {"line_total_with_three_decimals": {"UBL-DT-01"}}


@pytest.mark.parametrize("name", BROKEN_COPIES)
def test_a_broken_cii_fires_exactly_the_expected_rules(name):
    change, _, expected = BROKEN_COPIES[name]
    report = judge(cii(change))
    assert report.valid is False
    assert report.rule_ids() == expected


@pytest.mark.parametrize("name", BROKEN_COPIES)
def test_a_broken_ubl_fires_exactly_the_expected_rules(name):
    _, change, expected = BROKEN_COPIES[name]
    report = judge(ubl(change))
    assert report.valid is False
    assert report.rule_ids() == expected | UBL_ALSO.get(name, set())


def test_the_xsd_alone_catches_none_of_the_broken_copies():
    for change, _, _ in BROKEN_COPIES.values():
        assert "XSD" not in judge(cii(change)).rule_ids()


def test_a_finding_names_the_field_where_it_is_and_what_to_change():
    report = judge(cii(set_text(f"{SUMMATION}/ram:GrandTotalAmount", plus("0.01"))))
    finding = next(f for f in report.errors if f.rule_id == "BR-CO-15")
    assert finding.severity == "fatal"
    assert finding.business_term == "BT-112"
    assert "MonetarySummation" in (finding.location or "")
    assert "(BT-112)" in finding.message  # the rule's own text
    assert "total TTC" in (finding.explanation or "")


def test_a_buyer_field_is_named_with_the_buyer_business_term():
    report = judge(
        cii(
            set_attribute(
                "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", "schemeID", "1"
            )
        )
    )
    (finding,) = report.errors
    assert (finding.rule_id, finding.business_term) == ("BR-CL-11", "BT-47")
    assert finding.location and finding.location.endswith(
        "BuyerTradeParty/SpecifiedLegalOrganization/ID"
    )
    assert finding.restates and finding.restates.startswith("FX-SCH-A-")


def test_a_factur_x_restatement_folds_into_the_en16931_rule_at_the_precise_place():
    report = judge(cii(remove("//ram:BuyerTradeParty/ram:Name")))
    (finding,) = report.errors
    assert finding.rule_id == "BR-07"
    assert finding.location and finding.location.endswith("/BuyerTradeParty")
    assert finding.business_term == "BT-44"


# --- Each explained rule has a file that triggers it ----------------------------------------


def _exempt():
    return varied_invoices()["exempt"]


def _zero_rated():
    return varied_invoices()["zero_rated"]


def _no_lines(root, find):
    for item in root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=CII_NS):
        item.getparent().remove(item)


def _unknown_global_id(root, find):
    global_id = etree.Element(f"{{{RAM}}}GlobalID", schemeID="1")
    global_id.text = "123456"
    find("//ram:SellerTradeParty").insert(0, global_id)


def _vatex_code(root, find):
    code = etree.Element(f"{{{RAM}}}ExemptionReasonCode")
    code.text = "VATEX-XX-999"
    find(f"{EXEMPT_TAX}/ram:CategoryCode").addnext(code)


def _zero_rated_with_reason(root, find):
    reason = etree.Element(f"{{{RAM}}}ExemptionReason")
    reason.text = "Motif"
    find(f"{ZERO_TAX}/ram:TypeCode").addnext(reason)


def _unused_document(root, find):
    document = etree.Element(f"{{{RAM}}}AdditionalReferencedDocument")
    etree.SubElement(document, f"{{{RAM}}}IssuerAssignedID").text = "BL-1"
    etree.SubElement(document, f"{{{RAM}}}TypeCode").text = "751"
    find("//ram:BuyerOrderReferencedDocument").addnext(document)


def _contact_person_and_department(root, find):
    contact = etree.Element(f"{{{RAM}}}DefinedTradeContact")
    etree.SubElement(contact, f"{{{RAM}}}PersonName").text = "Claire Martin"
    etree.SubElement(contact, f"{{{RAM}}}DepartmentName").text = "Comptabilité"
    find("//ram:SellerTradeParty/ram:SpecifiedLegalOrganization").addnext(contact)


GUIDELINE = "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
TRIGGERS = {
    "BR-02": lambda: cii(set_text("//rsm:ExchangedDocument/ram:ID", lambda _: "")),
    "BR-05": lambda: cii(remove("//ram:InvoiceCurrencyCode")),
    "BR-06": lambda: cii(remove("//ram:SellerTradeParty/ram:Name")),
    "BR-07": lambda: cii(remove("//ram:BuyerTradeParty/ram:Name")),
    "BR-16": lambda: cii(_no_lines),
    "BR-CO-10": lambda: cii(set_text(f"{SUMMATION}/ram:LineTotalAmount", plus("1"))),
    "BR-CO-13": lambda: cii(set_text(f"{SUMMATION}/ram:TaxBasisTotalAmount", plus("1"))),
    "BR-CO-14": lambda: cii(set_text(f"{HEADER_TAX}[1]/ram:CalculatedAmount", plus("0.01"))),
    "BR-CO-15": lambda: cii(set_text(f"{SUMMATION}/ram:GrandTotalAmount", plus("0.01"))),
    "BR-CO-16": lambda: cii(set_text(f"{SUMMATION}/ram:DuePayableAmount", plus("1"))),
    "BR-DEC-23": lambda: cii(set_text(FIRST_LINE_TOTAL, lambda text: text + "1")),
    "BR-S-02": lambda: cii(remove("//ram:SellerTradeParty/ram:SpecifiedTaxRegistration")),
    "BR-S-05": lambda: cii(
        set_text(
            "//ram:IncludedSupplyChainTradeLineItem[1]//ram:RateApplicablePercent", lambda _: "0"
        )
    ),
    "BR-S-08": lambda: cii(set_text(f"{HEADER_TAX}[1]/ram:BasisAmount", plus("1"))),
    "BR-CL-10": lambda: cii(_unknown_global_id),
    "BR-CL-11": lambda: cii(set_attribute(SELLER_LEGAL_ID, "schemeID", "1")),
    "BR-CL-22": lambda: cii(_vatex_code, _exempt()),
    "BR-CL-25": lambda: build_cii(
        invoice(
            buyer=dataclasses.replace(
                BUYER, electronic_address="11000201100044", electronic_address_scheme="9999"
            )
        )
    ),
    "BR-E-10": lambda: cii(remove(f"{EXEMPT_TAX}/ram:ExemptionReason"), _exempt()),
    "BR-Z-05": lambda: cii(
        set_text(
            "//ram:IncludedSupplyChainTradeLineItem[1]//ram:RateApplicablePercent", lambda _: "5.5"
        ),
        _zero_rated(),
    ),
    "BR-Z-10": lambda: cii(_zero_rated_with_reason, _zero_rated()),
    "BR-61": lambda: ubl(remove("cac:PaymentMeans/cac:PayeeFinancialAccount")),
    "CII-SR-465": lambda: cii(_contact_person_and_department),
    "CII-SR-470": lambda: cii(remove("//ram:PayeePartyCreditorFinancialAccount")),
    "BR-FR-05": lambda: build_cii(invoice(notes=())),
    "FX-SCH-A-000556": lambda: cii(
        set_text(
            GUIDELINE,
            lambda _: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
        )
    ),
    "FX-UNUSED": lambda: cii(_unused_document),
    "PEPPOL-EN16931-R008": lambda: build_cii(invoice(delivery_date=None)),
    "XSD": lambda: cii(set_text(f"{SUMMATION}/ram:GrandTotalAmount", lambda _: "beaucoup")),
    "CHORUS-PROFILE": lambda: cii(
        set_text(GUIDELINE, lambda _: "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort")
    ),
}
# Only when Saxon itself fails, which no file can provoke on purpose.
UNTRIGGERABLE = {"CHORUS-SCHEMATRON"}


def test_every_explained_rule_has_a_file_that_triggers_it():
    assert set(EXPLANATIONS) - UNTRIGGERABLE <= set(TRIGGERS)


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_an_explained_rule_is_reported_with_its_french_explanation(rule_id):
    report = judge(TRIGGERS[rule_id]())
    findings = [f for f in report.errors + report.warnings if f.rule_id == rule_id]
    assert findings, (report.rule_ids(), report.rule_ids("warning"))
    assert findings[0].explanation
    if rule_id.startswith("BR-FR-") or rule_id.startswith("PEPPOL-"):
        assert report.valid and findings[0].severity == "warning"
    else:
        assert not report.valid and findings[0].severity == "fatal"


def test_xrechnung_cii_is_refused_with_the_profile_named():
    report = judge(TRIGGERS["FX-SCH-A-000556"]())
    assert report.profile == "XRECHNUNG"
    assert report.rule_ids() == {"FX-SCH-A-000556"}
    assert "EN 16931" in report.errors[0].explanation


# --- The French reform rules ------------------------------------------------------------------


def test_french_reform_rules_only_warn_and_skip_what_contradicts_chorus_pro():
    report = judge(build_cii(invoice(notes=())))
    assert report.valid
    assert {f.source for f in report.warnings} == {"fr-ctc"}
    # Billing frame A1, SIRET in BT-30 and no electronic address are Chorus Pro's conventions.
    assert not report.rule_ids("warning") & {"BR-FR-08", "BR-FR-10", "BR-FR-12", "BR-FR-13"}


def test_a_ubl_line_in_vat_category_l_warns_under_br_fr_15_with_its_explanation():
    # The UBL French-rules stylesheet gives this BR-FR-15 check the id "BR-FR-08_BT-151-2";
    # read as BR-FR-08 (ignored: BT-23 carries the Chorus billing frame), it was dropped.
    sample = (STANDARDS_DIR / "cen-ubl" / "ubl-tc434-example1.xml").read_bytes()
    line_category = "//cac:InvoiceLine[1]/cac:Item/cac:ClassifiedTaxCategory/cbc:ID"
    report = judge(mutate_xml(sample, UBL_NS, set_text(line_category, lambda _: "L")))
    codes_l_m = [f for f in report.warnings if "'L' et 'M'" in f.message]
    assert [(f.rule_id, f.business_term, f.source) for f in codes_l_m] == [
        ("BR-FR-15", "BT-151", "fr-ctc")
    ]
    assert codes_l_m[0].explanation == lookup("BR-FR-15").text
    assert "pas L ni M" in codes_l_m[0].explanation
    assert codes_l_m[0].location and "InvoiceLine" in codes_l_m[0].location


def test_the_french_legal_notes_satisfy_the_french_reform_rules():
    assert judge(build_cii(invoice())).warnings == ()


def test_french_rules_can_be_left_out():
    report = validate_file(build_cii(invoice(notes=())), "f.xml", french_rules=False)
    assert report.warnings == ()


# --- Profiles without lines -------------------------------------------------------------------


def test_a_minimum_invoice_is_valid_with_its_header_totals_and_no_lines():
    report = judge(MINIMUM_CII)
    assert (report.valid, report.profile, report.number) == (True, "MINIMUM", "MIN-2026-7")
    assert (report.service_code, report.engagement_number) == ("SE-ACHATS", "1300012345")
    assert report.invoice is not None
    assert report.invoice.lines == ()
    assert report.invoice.totals.grand_total == report.total_incl_tax == 120
    assert report.invoice.buyer.siret == "11000201100044"


def test_a_basic_wl_factur_x_is_valid_without_lines():
    xml = facturx.generate_xml(
        business_terms(computed(invoice())),
        level="basicwl",
        check_xsd=False,
        check_schematron=False,
    )
    report = judge(xml)
    assert (report.valid, report.profile) == (True, "BASIC WL")
    assert report.invoice is not None and report.invoice.lines == ()
    assert report.invoice.totals.grand_total == computed(invoice()).totals.grand_total


# --- The report -------------------------------------------------------------------------------


def test_the_report_has_the_fields_of_the_api_and_is_json():
    report = judge(build_cii(invoice()))
    answer = report.to_dict()
    assert list(answer) == [
        "valid",
        "format",
        "profile",
        "number",
        "issue_date",
        "currency",
        "total_excl_tax",
        "total_vat",
        "total_incl_tax",
        "seller",
        "buyer",
        "service_code",
        "engagement_number",
        "errors",
        "warnings",
    ]
    assert json.loads(json.dumps(answer))["issue_date"] == "2026-03-02"
    assert answer["buyer"] == {
        "name": "Ministère de l'Exemple",
        "siret": "11000201100044",
        "vat_id": None,
    }
    totals = computed(invoice()).totals
    assert answer["total_incl_tax"] == str(totals.grand_total)
    assert answer["total_vat"] == str(totals.tax_total)
    assert (answer["service_code"], answer["engagement_number"]) == ("SE-ACHATS", "1300012345")


def test_findings_serialise_with_rule_severity_term_location_and_messages():
    report = judge(TRIGGERS["BR-CO-15"]())
    (error,) = [e for e in report.to_dict()["errors"] if e["rule_id"] == "BR-CO-15"]
    assert set(error) == {
        "rule_id",
        "severity",
        "business_term",
        "location",
        "message",
        "explanation",
        "source",
    }


def test_xsd_errors_are_all_listed_in_readable_form():
    def two_errors(root, find):
        find(f"{SUMMATION}/ram:GrandTotalAmount").text = "beaucoup"
        find(f"{SUMMATION}/ram:DuePayableAmount").text = "trop"

    report = judge(cii(two_errors))
    xsd = [f for f in report.errors if f.rule_id == "XSD"]
    assert len(xsd) == 2
    assert all("ram:" in f.message and "{urn" not in f.message for f in xsd)
    assert xsd[0].location and "GrandTotalAmount" in xsd[0].location


def test_an_invoice_line_with_exemption_and_credit_note_variants_are_all_valid():
    # The varied generated set, judged without the French warnings.
    for name, data in varied_invoices().items():
        report = validate_file(build_cii(data), f"{name}.xml", french_rules=False)
        assert report.valid, (name, report.rule_ids())


def test_a_line_is_named_by_its_own_position():
    data = invoice(lines=(line("1", "1", "10"), line("2", "1", "20"), line("3", "1", "30")))
    xml = cii(
        set_text(
            "//ram:IncludedSupplyChainTradeLineItem[3]"
            "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            lambda text: text + "0",
        ),
        data,
    )
    (finding,) = judge(xml).errors
    assert finding.rule_id == "BR-DEC-23"
    assert "IncludedSupplyChainTradeLineItem[3]" in (finding.location or "")


# --- Profiles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "guideline, profile",
    [
        ("urn:factur-x.eu:1p0:minimum", "MINIMUM"),
        ("urn:factur-x.eu:1p0:basicwl", "BASIC WL"),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", "BASIC"),
        ("urn:cen.eu:en16931:2017", "EN16931"),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "EXTENDED"),
        ("urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended", "EXTENDED"),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "XRECHNUNG"),
        ("urn:ferd:CrossIndustryDocument:invoice:1p0:comfort", None),
        ("urn:example:unknown", None),
    ],
)
def test_the_profile_is_read_from_the_guideline_id(guideline, profile):
    assert judge(cii(set_text(GUIDELINE, lambda _: guideline))).profile == profile


def test_a_basic_factur_x_is_judged_by_the_basic_rules():
    without_bic = invoice(payment_means=PaymentMeans(code="30", iban="FR7630006000011234567890189"))
    basic = "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic"
    assert judge(cii(set_text(GUIDELINE, lambda _: basic), without_bic)).valid
    # BASIC has no room for the BIC (BT-86): its XSD says so.
    assert judge(cii(set_text(GUIDELINE, lambda _: basic))).rule_ids() == {"XSD"}


def test_an_extended_factur_x_is_valid():
    xml = facturx.generate_xml(
        business_terms(computed(invoice())),
        level="extended",
        check_xsd=False,
        check_schematron=False,
    )
    report = judge(xml)
    assert (report.valid, report.profile) == (True, "EXTENDED")
