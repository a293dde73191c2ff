"""Plain French explanations of the rules, and the field each concerns.

The rule's own text (English for the EN 16931 rules) is always shown; these explanations add
what to change, in the supplier's words. The portal's own checks are explained here; every
rule of the shipped schematrons in ``rulebook`` (French product content, not gettext).
"""

from __future__ import annotations

import re

from einvoice import rulebook
from einvoice.rulebook import RuleHelp

_ZERO_RATED = (
    "Pour la TVA au taux zéro (catégorie Z), le taux doit être 0, le montant de TVA 0, et le "
    "récapitulatif de TVA ne doit pas porter de motif d'exonération. Vérifiez aussi que votre "
    "numéro de TVA intracommunautaire figure dans la facture."
)

EXPLANATIONS: dict[str, RuleHelp] = {
    # The portal's own checks; every schematron rule is in ``rulebook``.
    "XSD": RuleHelp(
        None,
        "Le fichier ne respecte pas la structure imposée par son format (schéma XSD) : un "
        "élément est absent, en trop, mal placé ou sa valeur a une forme invalide. Le logiciel "
        "qui a produit le fichier doit être corrigé.",
    ),
    "CHORUS-PROFILE": RuleHelp(
        "BT-24",
        "Le profil du fichier n'est pas accepté. Chorus accepte Factur-X / ZUGFeRD 2 (MINIMUM, "
        "BASIC WL, BASIC, EN 16931, EXTENDED), CII et UBL 2.1 conformes à l'EN 16931. Les "
        "fichiers ZUGFeRD 1 (profils BASIC, COMFORT, EXTENDED de 2014) doivent être "
        "régénérés en Factur-X.",
    ),
    "CHORUS-SCHEMATRON": RuleHelp(
        None,
        "Le contrôle des règles n'a pas pu s'exécuter sur ce fichier. Réessayez ; si l'erreur "
        "persiste, contactez le support en joignant le fichier.",
    ),
}

# Rule families: one explanation for every member not listed above.
FAMILIES: tuple[tuple[str, RuleHelp], ...] = (
    (
        "BR-FR-",
        RuleHelp(
            None,
            "Règle de la réforme française de la facturation électronique (2026) : simple "
            "avertissement, la facture reste recevable par Chorus.",
        ),
    ),
    ("BR-Z-", RuleHelp("BT-118", _ZERO_RATED)),
    (
        "BR-E-",
        RuleHelp(
            "BT-118",
            "Pour une ligne exonérée (catégorie E), le taux et le montant de TVA doivent être "
            "0, le récapitulatif doit porter le motif d'exonération, et la facture le numéro "
            "de TVA du fournisseur.",
        ),
    ),
    (
        "BR-S-",
        RuleHelp(
            "BT-118",
            "Vérifiez les lignes au taux normal (catégorie S) et le récapitulatif de TVA : un "
            "récapitulatif par taux, base = somme des lignes à ce taux, TVA = base × taux.",
        ),
    ),
    (
        "BR-DEC-",
        RuleHelp(None, "Un montant a plus de 2 décimales : arrondissez-le au centime."),
    ),
    (
        "BR-CL-",
        RuleHelp(
            None,
            "Un code n'appartient pas à la liste officielle que l'EN 16931 impose pour ce "
            "champ (pays, devise, unité, type de document, moyen de paiement…) : remplacez-le "
            "par un code de la liste.",
        ),
    ),
)

# Factur-X checks with generated ids (FX-SCH-A-000123), explained by what their text says.
_FACTURX_CHECKS: tuple[tuple[str, RuleHelp], ...] = (
    (
        "is not allowed",
        RuleHelp(
            None,
            "Une valeur n'appartient pas à la liste de codes autorisée par le profil "
            "Factur-X (code pays, devise, unité, type d'identifiant…) : remplacez-la par un "
            "code de la liste officielle.",
        ),
    ),
    (
        "must occur",
        RuleHelp(
            None,
            "Un élément obligatoire manque ou est répété à cet endroit, selon le profil "
            "Factur-X du fichier : complétez-le ou retirez le doublon.",
        ),
    ),
)

_TERM = re.compile(r"\b(B[TG]-\d+)\b")
_INDEX = re.compile(r"\[\d+\]")

# The business term of the element a finding points at (seller terms; the caller turns them
# into buyer terms for the buyer's party). The more specific tails come first.
LOCATION_TERMS: tuple[tuple[str, str], ...] = (
    ("HeaderMonetarySummation/LineTotalAmount", "BT-106"),
    ("LineMonetarySummation/LineTotalAmount", "BT-131"),
    ("HeaderMonetarySummation/TaxTotalAmount", "BT-110"),
    ("/TaxBasisTotalAmount", "BT-109"),
    ("/GrandTotalAmount", "BT-112"),
    ("/DuePayableAmount", "BT-115"),
    ("/ExchangedDocument/ID", "BT-1"),
    ("/IssueDateTime/DateTimeString", "BT-2"),
    ("/ExchangedDocument/TypeCode", "BT-3"),
    ("/InvoiceCurrencyCode", "BT-5"),
    ("/BuyerReference", "BT-10"),
    ("/ContractReferencedDocument/IssuerAssignedID", "BT-12"),
    ("/BuyerOrderReferencedDocument/IssuerAssignedID", "BT-13"),
    ("/GuidelineSpecifiedDocumentContextParameter/ID", "BT-24"),
    ("/SellerTradeParty/Name", "BT-27"),
    ("/SellerTradeParty/GlobalID", "BT-29"),
    ("/SellerTradeParty/SpecifiedLegalOrganization/ID", "BT-30"),
    ("/SellerTradeParty/SpecifiedTaxRegistration/ID", "BT-31"),
    ("/SellerTradeParty/URIUniversalCommunication/URIID", "BT-34"),
    ("/SellerTradeParty", "BG-4"),
    ("/BuyerTradeParty/Name", "BT-44"),
    ("/BuyerTradeParty/GlobalID", "BT-46"),
    ("/BuyerTradeParty/SpecifiedLegalOrganization/ID", "BT-47"),
    ("/BuyerTradeParty/URIUniversalCommunication/URIID", "BT-49"),
    ("/BuyerTradeParty", "BG-7"),
    ("/CountryID", "BT-40"),
    ("/SpecifiedTradeSettlementPaymentMeans/TypeCode", "BT-81"),
    ("/IBANID", "BT-84"),
    ("/ApplicableTradeTax/ExemptionReasonCode", "BT-121"),
    ("/ApplicableTradeTax/ExemptionReason", "BT-120"),
    ("/ApplicableTradeTax/CalculatedAmount", "BT-117"),
    ("/ApplicableTradeTax/BasisAmount", "BT-116"),
    ("/ApplicableTradeTax/CategoryCode", "BT-118"),
    ("/ApplicableTradeTax/RateApplicablePercent", "BT-119"),
    ("/BilledQuantity", "BT-129"),
    ("/IncludedSupplyChainTradeLineItem", "BG-25"),
    ("/AdditionalReferencedDocument", "BG-24"),
)


def explain(rule_id: str, rule_text: str = "", location: str = "") -> RuleHelp | None:
    """The French help for a rule: its own entry, its family's, or its kind of Factur-X check."""
    found = rulebook.lookup(rule_id, rule_text, location)  # every shipped rule has one
    if found is not None:
        return found
    if rule_id in EXPLANATIONS:
        return EXPLANATIONS[rule_id]
    for prefix, help_ in FAMILIES:
        if rule_id.startswith(prefix):
            return help_
    if rule_id.startswith("FX-SCH-"):
        for text_part, help_ in _FACTURX_CHECKS:
            if text_part in rule_text:
                return help_
    return None


def _term_at(location: str) -> str | None:
    steps = _INDEX.sub("", location)
    for tail, term in LOCATION_TERMS:
        if steps.endswith(tail):
            return term
    return None


def business_term(rule_id: str, rule_text: str, location: str = "") -> str | None:
    """The business term a finding concerns: the explained one, the first named in the rule's
    text, the one at the finding's location, or its family's."""
    help_ = rulebook.lookup(rule_id, rule_text, location) or EXPLANATIONS.get(rule_id)
    if help_ and help_.business_term:
        return help_.business_term
    match = _TERM.search(rule_text)
    if match:
        return match.group(1)
    at_location = _term_at(location)
    if at_location:
        return at_location
    family = explain(rule_id, rule_text)
    return family.business_term if family else None


# For the help page: how the portal judges files that the official artefacts disagree on.
PROFILE_POLICY = (
    "Chorus juge chaque fichier avec les règles officielles de sa syntaxe : les règles "
    "Factur-X 1.09 pour un fichier CII ou un PDF Factur-X, les règles EN 16931 du CEN pour un "
    "fichier UBL. Un fichier CII au profil XRechnung, ou contenant un élément que le profil "
    "Factur-X n'autorise pas, est donc refusé même si les seules règles EN 16931 "
    "l'accepteraient : régénérez-le au profil Factur-X EN 16931. Les règles de la réforme "
    "française de 2026 (BR-FR) ne produisent que des avertissements : elles ne s'appliquent "
    "pas encore aux factures adressées au secteur public."
)
