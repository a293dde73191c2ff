"""Plain French explanations of the rules suppliers break most, and the field each concerns.

The rule's own text (English for the EN 16931 rules) is always shown; these explanations add
what to change, in the supplier's words. The strings are product content written in French;
the lead wires their translation later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleHelp:
    business_term: str | None
    text: str


_TOTALS = (
    "Recalculez les totaux à partir des lignes, en arrondissant chaque montant au centime, "
    "puis régénérez le fichier."
)
_IBAN = "Le paiement est demandé par virement mais l'IBAN du compte à créditer est absent."
_ZERO_RATED = (
    "Pour la TVA au taux zéro (catégorie Z), le taux doit être 0, le montant de TVA 0, et le "
    "récapitulatif de TVA ne doit pas porter de motif d'exonération. Vérifiez aussi que votre "
    "numéro de TVA intracommunautaire figure dans la facture."
)

EXPLANATIONS: dict[str, RuleHelp] = {
    "BR-02": RuleHelp("BT-1", "Le numéro de la facture est absent : indiquez-le."),
    "BR-05": RuleHelp(
        "BT-5", "La devise de la facture est absente : indiquez son code ISO 4217 (EUR)."
    ),
    "BR-06": RuleHelp("BT-27", "Le nom du fournisseur (votre raison sociale) est absent."),
    "BR-07": RuleHelp(
        "BT-44",
        "Le nom du destinataire est absent : indiquez le nom de l'entité publique facturée.",
    ),
    "BR-16": RuleHelp(
        "BG-25",
        "La facture ne contient aucune ligne. Le profil EN 16931 exige au moins une ligne ; "
        "sans lignes, déposez-la au profil MINIMUM ou BASIC WL avec son PDF.",
    ),
    "BR-CO-10": RuleHelp(
        "BT-106",
        "Le total HT des lignes n'est pas égal à la somme des montants nets des lignes. " + _TOTALS,
    ),
    "BR-CO-13": RuleHelp(
        "BT-109",
        "Le total HT de la facture doit valoir la somme des lignes, moins les remises et plus "
        "les frais de pied de facture. " + _TOTALS,
    ),
    "BR-CO-14": RuleHelp(
        "BT-110",
        "Le total de TVA n'est pas égal à la somme des montants de TVA du récapitulatif par "
        "taux. Corrigez le montant de TVA du taux concerné ou le total de TVA.",
    ),
    "BR-CO-15": RuleHelp(
        "BT-112",
        "Le total TTC doit être exactement le total HT plus le total de TVA. Corrigez le total "
        "TTC (souvent une erreur d'arrondi d'un centime).",
    ),
    "BR-CO-16": RuleHelp(
        "BT-115",
        "Le net à payer doit valoir le total TTC moins les acomptes déjà versés, plus "
        "l'éventuel arrondi. Corrigez le net à payer.",
    ),
    "BR-DEC-23": RuleHelp(
        "BT-131",
        "Le montant net d'une ligne a plus de 2 décimales : arrondissez-le au centime (le prix "
        "unitaire, lui, peut garder jusqu'à 4 décimales).",
    ),
    "BR-S-02": RuleHelp(
        "BT-31",
        "Une ligne est soumise à la TVA au taux normal mais le numéro de TVA "
        "intracommunautaire du fournisseur est absent : ajoutez-le (FR suivi de 11 "
        "caractères).",
    ),
    "BR-S-08": RuleHelp(
        "BT-116",
        "Pour chaque taux de TVA, la base HT du récapitulatif doit être la somme des montants "
        "nets des lignes à ce taux. Regroupez les lignes par taux et recalculez les bases.",
    ),
    "BR-CL-11": RuleHelp(
        "BT-30",
        "Le type de l'identifiant légal n'appartient pas à la liste ISO 6523. Pour un SIRET, "
        "indiquez le schéma 0009 ; pour un SIREN, le schéma 0002.",
    ),
    "BR-CL-10": RuleHelp(
        "BT-29",
        "Le type d'un identifiant n'appartient pas à la liste ISO 6523 : utilisez 0009 pour "
        "un SIRET, 0002 pour un SIREN.",
    ),
    "BR-CL-22": RuleHelp(
        "BT-121",
        "Le code du motif d'exonération de TVA n'appartient pas à la liste VATEX (par exemple "
        "VATEX-EU-132 ou VATEX-FR-FRANCHISE) : corrigez-le, ou ne donnez que le motif en "
        "texte.",
    ),
    "BR-CL-25": RuleHelp(
        "BT-34",
        "Le type de l'adresse électronique n'appartient pas à la liste EAS : utilisez 0009 "
        "pour un SIRET, 0225 pour un SIREN ou EM pour une adresse e-mail, ou retirez "
        "l'adresse électronique.",
    ),
    "BR-E-10": RuleHelp(
        "BT-120",
        "Une ligne est exonérée de TVA (catégorie E) sans motif : indiquez la mention "
        "d'exonération, par exemple « Exonération de TVA, article 261 du CGI ».",
    ),
    "BR-61": RuleHelp("BT-84", _IBAN),
    "CII-SR-470": RuleHelp("BT-84", _IBAN),
    "BR-S-05": RuleHelp(
        "BT-152",
        "Une ligne au taux normal (catégorie S) doit avoir un taux de TVA supérieur à zéro ; "
        "pour un taux nul, utilisez la catégorie Z, E ou O selon le cas.",
    ),
    "CII-SR-465": RuleHelp(
        "BT-41",
        "Le contact du fournisseur doit être soit une personne, soit un service : gardez le "
        "nom de la personne ou celui du service, pas les deux.",
    ),
    "BR-FR-05": RuleHelp(
        "BT-22",
        "Ajoutez en notes de facture les trois mentions de paiement obligatoires en France : "
        "indemnité forfaitaire de recouvrement de 40 € (code PMT), pénalités ou intérêts de "
        "retard (code PMD), escompte ou son absence (code AAB). Simple avertissement.",
    ),
    "FX-SCH-A-000556": RuleHelp(
        "BT-24",
        "L'identifiant du profil (BT-24) n'est pas un profil Factur-X. Chorus accepte les "
        "profils Factur-X (MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED) ; un fichier "
        "XRechnung (norme allemande) doit être régénéré au profil EN 16931 "
        "(urn:cen.eu:en16931:2017).",
    ),
    "FX-UNUSED": RuleHelp(
        None,
        "Le fichier contient un élément que son profil Factur-X n'autorise pas. Retirez-le, "
        "ou déposez le fichier au profil EXTENDED s'il en a besoin.",
    ),
    "PEPPOL-EN16931-R008": RuleHelp(
        None,
        "Le fichier contient un élément vide : retirez-le ou renseignez-le (simple avertissement).",
    ),
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


def explain(rule_id: str, rule_text: str = "") -> RuleHelp | None:
    """The French help for a rule: its own entry, its family's, or its kind of Factur-X check."""
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
    help_ = EXPLANATIONS.get(rule_id)
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
