"""The structural rules: elements EN 16931 does not use (UBL-CR, CII-SR, CII-DT), elements
given too often or not at all, codes outside a profile's lists and missing attributes (the
Factur-X checks ``FX-SCH-A-…``), and the UBL-specific rules (UBL-SR, UBL-DT).

The hundreds of near-identical rules share a sentence whose parameters (the element, its
business term, the group it sits in) are in ``tables`` (generated from the shipped
schematrons); the rules that say something of their own are written out below.
"""

from __future__ import annotations

import re

from einvoice.rulebook.base import WARNING_ONLY, RuleHelp, at_most_once, missing
from einvoice.rulebook.paths import UBL_GROUPS, cii_term, steps
from einvoice.rulebook.tables import CII_STRUCTURE, FACTURX
from einvoice.rulebook.terms import TERMS, cap, field, of

_SOFTWARE = "Faites-le retirer par votre logiciel de facturation, puis régénérez le fichier."
_ATTRIBUTES = {
    "currencyID": "la devise du montant, EUR par exemple",
    "format": "le format de la date, 102 pour AAAAMMJJ",
    "schemeID": "le type de l'identifiant, par exemple 0009 pour un SIRET",
    "unitCode": "l'unité, par exemple C62 pour une unité ou HUR pour une heure",
    "listID": "la liste de codes utilisée",
    "mimeCode": "le type du fichier joint, par exemple application/pdf",
    "filename": "le nom du fichier joint",
}


def _kind(path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    return "l'attribut" if last.startswith("@") or last[:1].islower() else "l'élément"


def _thing(element: str, term: str) -> str:
    if term and term in TERMS:
        if _kind(element) == "l'attribut":
            return f"l'attribut {element} {of(field(term))}"
        return f"{field(term)[:-1]}, élément {element})"
    return f"{_kind(element)} {element}"


def _where(group: str, term: str = "") -> str:
    if not group or group not in TERMS or group == term:
        return ""
    return f" dans {field(group)}"


# What a code of each element must be, for the Factur-X code-list checks.
_CODES = {
    "CountryID": "un code pays ISO 3166-1 à deux lettres (FR pour la France)",
    "InvoiceCurrencyCode": "un code de devise ISO 4217 (EUR)",
    "TaxCurrencyCode": "un code de devise ISO 4217 (EUR)",
    "SourceCurrencyCode": "un code de devise ISO 4217 (EUR)",
    "TargetCurrencyCode": "un code de devise ISO 4217 (EUR)",
    "currencyID": "un code de devise ISO 4217 (EUR)",
    "CategoryCode": "une catégorie de TVA (S, Z, E, AE, K, G, O, L ou M)",
    "unitCode": "un code d'unité de la recommandation 20 de l'UN/ECE (C62, HUR, DAY…)",
    "format": "le format de date 102 (AAAAMMJJ)",
    "schemeID": "un type d'identifiant de la liste ISO 6523 ou EAS (0009 pour un SIRET)",
    "TypeCode": "un code de la liste UNTDID imposée pour ce type (380 pour une facture…)",
    "ReasonCode": "un code de motif UNTDID 5189 (remise) ou 7161 (frais)",
    "ExemptionReasonCode": "un code VATEX (VATEX-EU-AE, VATEX-EU-IC…)",
    "DueDateTypeCode": "5 (date de facture), 29 (date de livraison) ou 72 (date de paiement)",
    "SubjectCode": "un code de sujet UNTDID 4451 (AAI, PMT, PMD, AAB…)",
    "mimeCode": "un type MIME admis (application/pdf, image/png, image/jpeg, text/csv…)",
}


def ubl_unused(path: str) -> RuleHelp:
    group = UBL_GROUPS.get(path.split("/", 1)[0], "")
    return RuleHelp(
        None,
        f"Le fichier UBL contient {_kind(path)} {path}{_where(group)}, que la norme EN 16931 "
        f"n'utilise pas : son contenu ne sera pas pris en compte. {WARNING_ONLY} "
        f"{_SOFTWARE}",
    )


def _unused(element: str, group: str) -> RuleHelp:
    return RuleHelp(
        None,
        f"Le fichier contient {_kind(element)} {element}{_where(group)}, que la norme "
        f"EN 16931 n'utilise pas à cet endroit : son contenu ne serait pas pris en compte. "
        f"{_SOFTWARE}",
    )


def _at_most_once(element: str, term: str, group: str) -> RuleHelp:
    return RuleHelp(
        term or None,
        f"{cap(_thing(element, term))} figure plusieurs fois{_where(group, term)} alors qu'il "
        "ne peut "
        "y figurer qu'une fois : gardez-en un seul.",
    )


def _exactly_once(element: str, term: str, group: str) -> RuleHelp:
    return RuleHelp(
        term or None,
        f"{cap(_thing(element, term))} doit figurer exactement une fois{_where(group, term)} : "
        "il est "
        "absent ou répété. Ajoutez-le, ou retirez le doublon.",
    )


def _at_most_twice(element: str, term: str, group: str) -> RuleHelp:
    return RuleHelp(
        term or None,
        f"{cap(_thing(element, term))} figure plus de deux fois{_where(group, term)} : gardez-en "
        "au "
        "plus deux (par exemple un numéro de TVA et un identifiant fiscal).",
    )


def _at_least_once(element: str, term: str, group: str) -> RuleHelp:
    return RuleHelp(
        term or None,
        f"{cap(_thing(element, term))} est absent{_where(group)} : il doit y figurer au moins "
        "une fois. Ajoutez-le.",
    )


def _value(element: str, term: str, group: str) -> RuleHelp:
    if term == "BT-24":
        return RuleHelp(
            "BT-24",
            "L'identifiant du profil (BT-24) n'est pas un profil Factur-X. Chorus accepte les "
            "profils Factur-X (MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED) ; un fichier "
            "XRechnung (norme allemande) doit être régénéré au profil EN 16931 "
            "(urn:cen.eu:en16931:2017).",
        )
    expected = _CODES.get(element, "un code de la liste officielle que le profil impose")
    return RuleHelp(
        term or group or None,
        f"La valeur {of(_thing(element, term))}{_where(group, term)} n'est pas admise par le "
        f"profil Factur-X du fichier : indiquez {expected}.",
    )


def _attribute(attribute: str, term: str, group: str) -> RuleHelp:
    hint = _ATTRIBUTES.get(attribute)
    what = f" ({hint})" if hint else ""
    if term and term in TERMS:
        owner = cap(field(term))
    elif group and group in TERMS:
        owner = f"Un élément {of(field(group))}"
    else:
        owner = "Un élément (voir l'emplacement)"
    return RuleHelp(
        term or None,
        f"{owner} n'a pas l'attribut {attribute}{what}, que le profil Factur-X exige à cet "
        "endroit : ajoutez-le.",
    )


_RENDER = {
    "unused": lambda element, term, group: _unused(element, group),
    "once": _at_most_once,
    "at_most": _at_most_once,
    "at_most_twice": _at_most_twice,
    "exactly": _exactly_once,
    "at_least": _at_least_once,
    "value": _value,
    "attribute": _attribute,
}


def cii_structure(rule_id: str) -> RuleHelp | None:
    params = CII_STRUCTURE.get(rule_id)
    if params is None:
        return None
    kind, element, term, group = params
    return _RENDER[kind](element, term, group)


_BRACKET = re.compile(r"^\[([A-Z][A-Za-z0-9-]+)\]")
_FACTURX_TEXTS = (
    ("exactly", re.compile(r"^Element '([^']+)' must occur exactly 1 times\.$")),
    ("at_least", re.compile(r"^Element '([^']+)' must occur at least 1 times\.$")),
    ("at_most", re.compile(r"^Element '([^']+)' may occur at maximum 1 times\.$")),
    ("at_most", re.compile(r"^Element variant '([^'\[]+)\[.*' may occur at maximum 1 times\.$")),
    (
        "at_most_twice",
        re.compile(r"^Element(?: variant)? '([^'\[]+).*' may occur at maximum 2 times\.$"),
    ),
    ("value", re.compile(r"^Value of '([^']+)' is not allowed\.$")),
    ("attribute", re.compile(r"^Attribute '@?([^']+)' is required in this context\.$")),
)


def facturx_params(text: str, context: str) -> tuple[str, ...] | None:
    """What a Factur-X check's text says, with the business terms its context gives:
    ``(kind, element, term, parent's term)``, or ``("rule", id)`` for a restated rule."""
    bracket = _BRACKET.match(text)
    if bracket:
        return ("rule", bracket.group(1))
    for kind, pattern in _FACTURX_TEXTS:
        match = pattern.match(text)
        if match:
            element = steps(match.group(1).split("[", 1)[0]).strip("/")
            if kind == "attribute":
                term = cii_term(context)
            elif kind == "value":
                term = cii_term(f"{context}/{element}") or cii_term(context)
            else:
                term = cii_term(f"{context}/{element}")
            return (kind, element, term or "", cii_term(context) or "")
    return None


def facturx_check(rule_id: str, text: str = "", location: str = "") -> RuleHelp | str | None:
    """The help of a Factur-X check, or the id of the rule it restates (resolved by the
    caller), or None when the id is unknown.

    The generated ids are per profile: the same id names different checks in different
    profiles, so the check's text and location decide when given; ``tables`` gives the
    default of an id alone.
    """
    params = facturx_params(text, location) if text and location else None
    if params is None:
        params = FACTURX.get(rule_id)
    if params is None:
        params = facturx_params(text, "") if text else None
    if params is None:
        return None
    if params[0] == "rule":
        return params[1]
    kind, element, term, group = params
    return _RENDER[kind](element, term, group)


_UBL_SR_ONCE: dict[str, tuple[str, str]] = {
    "UBL-SR-01": ("BT-12", ""),
    "UBL-SR-02": ("BT-15", ""),
    "UBL-SR-03": ("BT-16", ""),
    "UBL-SR-04": ("BT-18", ""),
    "UBL-SR-05": ("BT-20", ""),
    "UBL-SR-06": ("BG-3", ""),
    "UBL-SR-08": ("BG-14", ""),
    "UBL-SR-09": ("BT-27", ""),
    "UBL-SR-10": ("BT-28", ""),
    "UBL-SR-11": ("BT-30", ""),
    "UBL-SR-12": ("BT-31", ""),
    "UBL-SR-13": ("BT-32", ""),
    "UBL-SR-14": ("BT-33", ""),
    "UBL-SR-15": ("BT-44", ""),
    "UBL-SR-16": ("BT-46", ""),
    "UBL-SR-17": ("BT-47", ""),
    "UBL-SR-18": ("BT-48", ""),
    "UBL-SR-19": ("BT-59", ""),
    "UBL-SR-20": ("BT-60", ""),
    "UBL-SR-21": ("BT-61", ""),
    "UBL-SR-22": ("BT-62", ""),
    "UBL-SR-23": ("BT-63", ""),
    "UBL-SR-24": ("BG-13", ""),
    "UBL-SR-25": ("BT-70", ""),
    "UBL-SR-26": ("BT-83", ""),
    "UBL-SR-27": ("BT-82", ""),
    "UBL-SR-28": ("BT-89", ""),
    "UBL-SR-29": ("BT-90", ""),
    "UBL-SR-30": ("BT-97", ""),
    "UBL-SR-31": ("BT-104", ""),
    "UBL-SR-32": ("BT-120", ""),
    "UBL-SR-33": ("BT-123", ""),
    "UBL-SR-34": ("BT-127", ""),
    "UBL-SR-35": ("BT-132", ""),
    "UBL-SR-36": ("BG-26", ""),
    "UBL-SR-37": ("BT-147", ""),
    "UBL-SR-39": ("BT-11", ""),
    "UBL-SR-40": ("BT-45", ""),
    "UBL-SR-45": ("BT-9", ""),
    "UBL-SR-46": ("BT-82", ""),
    "UBL-SR-49": ("BT-7", ""),
    "UBL-SR-50": ("BT-154", ""),
    "UBL-SR-52": ("BT-128", ""),
    "UBL-SR-54": ("BG-18", ""),
    "UBL-SR-55": ("BG-19", ""),
    "UBL-SR-56": ("BT-17", ""),
}

RULES: dict[str, RuleHelp] = {rule: at_most_once(term) for rule, (term, _) in _UBL_SR_ONCE.items()}
RULES.update(
    {
        "UBL-SR-07": missing("BT-25", "de la référence à une facture antérieure (BG-3)"),
        "UBL-SR-42": RuleHelp(
            "BT-31",
            "Le vendeur a plus de deux enregistrements fiscaux (PartyTaxScheme) : gardez au "
            "plus son numéro de TVA (BT-31) et son identifiant fiscal (BT-32).",
        ),
        "UBL-SR-43": RuleHelp(
            "BT-18",
            "Un type d'identifiant (schemeID) est donné à une pièce justificative (BG-24) qui "
            "n'est pas l'identifiant de l'objet facturé (BT-18, code de document 130) : "
            "retirez l'attribut schemeID.",
        ),
        "UBL-SR-44": RuleHelp(
            "BT-83",
            "La facture donne plusieurs références de paiement (BT-83) différentes : une seule "
            "est admise, répétée à l'identique dans chaque moyen de paiement.",
        ),
        "UBL-SR-47": RuleHelp(
            "BT-81",
            "Les moyens de paiement n'ont pas tous le même code (BT-81, « Mode de paiement » "
            "dans le formulaire de saisie) : donnez le même code à chacun, ou un seul moyen de "
            "paiement.",
        ),
        "UBL-SR-48": RuleHelp(
            "BT-151",
            "Une ligne n'a pas exactement une catégorie de TVA : donnez à chaque ligne une et "
            "une seule catégorie de TVA (BT-151).",
        ),
        "UBL-SR-51": RuleHelp(
            None,
            "Une adresse a plusieurs troisièmes lignes (AddressLine) : gardez-en une seule.",
        ),
        "UBL-SR-53": RuleHelp(
            "BT-31",
            "Un enregistrement fiscal (PartyTaxScheme) n'a pas de numéro (CompanyID) : "
            "indiquez le numéro de TVA intracommunautaire (BT-31) ou retirez l'enregistrement.",
        ),
        "UBL-DT-01": RuleHelp(
            None,
            "Un montant a plus de 2 décimales : arrondissez-le au centime (seuls les prix "
            "unitaires peuvent en avoir davantage).",
        ),
        "UBL-DT-06": RuleHelp(
            None,
            "Une pièce jointe au fichier n'a pas de type (attribut mimeCode) : indiquez par "
            "exemple application/pdf.",
        ),
        "UBL-DT-07": RuleHelp(
            None,
            "Une pièce jointe au fichier n'a pas de nom de fichier (attribut filename) : "
            "ajoutez-le.",
        ),
        "CII-DT-037": RuleHelp(
            None,
            "Le type d'une taxe (TypeCode) doit être VAT : la norme EN 16931 ne décrit que la "
            "TVA. Corrigez la valeur.",
        ),
        "CII-DT-097": RuleHelp(
            None,
            "Une date au format 102 n'est pas écrite AAAAMMJJ (par exemple 20260131 pour le 31 "
            "janvier 2026) : corrigez-la.",
        ),
        "BR-FXEXT-CII-DT-097a": RuleHelp(
            None,
            "Une date au format 205 n'est pas écrite AAAAMMJJHHMMSS (par exemple "
            "20260131143000) : corrigez-la.",
        ),
        "CII-SR-046": RuleHelp(
            "BT-157",
            f"{cap(field('BT-157'))} n'a pas de type (attribut schemeID) : ajoutez-le, par "
            "exemple 0160 pour un GTIN (EAN).",
        ),
        "CII-SR-119": RuleHelp(
            "BT-147",
            "Le prix brut d'une ligne porte autre chose qu'une remise : seul un rabais sur le "
            "prix unitaire (BT-147) y est admis. Retirez les frais du prix brut.",
        ),
        "CII-SR-449": RuleHelp(
            "BT-71",
            f"{cap(field('BT-71'))} est donné deux fois (ID et GlobalID) : gardez-en un seul.",
        ),
        "CII-SR-450": RuleHelp(
            "BT-46",
            f"{cap(field('BT-46'))} est donné deux fois (ID et GlobalID) : gardez-en un seul.",
        ),
        "CII-SR-451": RuleHelp(
            "BT-60",
            f"{cap(field('BT-60'))} est donné deux fois (ID et GlobalID) : gardez-en un seul.",
        ),
        "CII-SR-452": at_most_once("BT-20"),
        "CII-SR-453": at_most_once("BT-20"),
        "CII-SR-454": RuleHelp(
            "BG-30",
            "Une ligne a plusieurs blocs de TVA de la ligne (BG-30, ApplicableTradeTax) : "
            "donnez-lui une seule catégorie et un seul taux de TVA.",
        ),
        "CII-SR-455": at_most_once("BG-6"),
        "CII-SR-456": at_most_once("BG-9"),
        "CII-SR-457": at_most_once("BT-17"),
        "CII-SR-459": at_most_once("BT-34"),
        "CII-SR-460": at_most_once("BT-49"),
        "CII-SR-461": at_most_once("BT-7"),
        "CII-SR-462": at_most_once("BT-8"),
        "CII-SR-463": RuleHelp(
            "BG-20",
            "Une remise (BG-20) ou des frais (BG-21) n'ont pas d'indicateur ChargeIndicator : "
            "indiquez false pour une remise, true pour des frais.",
        ),
        "CII-SR-464": at_most_once("BT-86"),
        "CII-SR-465": RuleHelp(
            "BT-41",
            "Le contact du fournisseur (BT-41) doit être soit une personne, soit un service : "
            "gardez le nom de la personne ou celui du service, pas les deux.",
        ),
        "CII-SR-466": RuleHelp(
            "BT-56",
            "Le contact de l'acheteur (BT-56) doit être soit une personne, soit un service : "
            "gardez le nom de la personne ou celui du service, pas les deux.",
        ),
        "CII-SR-467": RuleHelp(
            "BT-81",
            "Les moyens de paiement n'ont pas tous le même code (BT-81, « Mode de paiement » "
            "dans le formulaire de saisie) : donnez le même code à chacun.",
        ),
        "CII-SR-468": RuleHelp(
            "BT-82",
            "Les moyens de paiement n'ont pas tous le même libellé (BT-82) : donnez le même "
            "libellé à chacun.",
        ),
        "CII-SR-469": at_most_once("BT-83"),
        "CII-SR-470": RuleHelp(
            "BT-84",
            "Le paiement est demandé par virement mais le compte à créditer (BT-84, « IBAN » "
            "dans le formulaire de saisie) est absent : indiquez l'IBAN (ou un identifiant de "
            "compte propriétaire, pas les deux).",
        ),
        "CII-SR-471": missing(
            "BT-95",
            "d'une remise (BG-20) ou de frais (BG-21)",
            "Indiquez la catégorie de TVA (S, Z, E…).",
        ),
        "CII-SR-472": missing(
            "BT-96",
            "d'une remise (BG-20) ou de frais (BG-21)",
            "Indiquez le taux de TVA de la remise ou des frais.",
        ),
        "CII-SR-473": RuleHelp(
            "BT-92",
            "Une remise (BG-20) ou des frais (BG-21) ont plusieurs montants (BT-92 ou BT-99, "
            "ActualAmount) : gardez-en un seul.",
        ),
        "CII-SR-474": at_most_once("BT-128"),
        "CII-SR-475": at_most_once("BT-123"),
        "CII-SR-476": at_most_once("BT-125"),
        "PEPPOL-EN16931-R008": RuleHelp(
            None,
            "Le fichier contient un élément vide : retirez-le ou renseignez-le (simple "
            "avertissement).",
        ),
    }
)
RULES["UBL-CR-002"] = RuleHelp(
    None,
    "Le fichier UBL indique une version (UBLVersionID) autre que 2.1 : retirez cet élément "
    f"ou indiquez 2.1. {WARNING_ONLY}",
)
RULES["UBL-CR-665"] = RuleHelp(
    "BT-18",
    "Une pièce justificative (AdditionalDocumentReference) porte un type d'identifiant "
    "(attribut schemeID) alors qu'elle n'est pas l'identifiant de l'objet facturé (BT-18, code "
    f"de document 130) : retirez l'attribut. {WARNING_ONLY}",
)

# UBL attributes EN 16931 does not use (warnings): the rule → the attribute.
_UBL_DT_UNUSED = {
    "UBL-DT-08": "schemeName",
    "UBL-DT-09": "schemeAgencyName",
    "UBL-DT-10": "schemeDataURI",
    "UBL-DT-11": "schemeURI",
    "UBL-DT-12": "format",
    "UBL-DT-13": "unitCodeListIdentifier",
    "UBL-DT-14": "unitCodeListAgencyIdentifier",
    "UBL-DT-15": "unitCodeListAgencyName",
    "UBL-DT-16": "listAgencyName",
    "UBL-DT-17": "listName",
    "UBL-DT-18": "name",
    "UBL-DT-19": "languageID",
    "UBL-DT-20": "listURI",
    "UBL-DT-21": "listSchemeURI",
    "UBL-DT-22": "languageLocaleID",
    "UBL-DT-23": "uri",
    "UBL-DT-24": "currencyCodeListVersionID",
    "UBL-DT-25": "characterSetCode",
    "UBL-DT-26": "encodingCode",
    "UBL-DT-27": "schemeAgencyID",
    "UBL-DT-28": "listAgencyID",
}
RULES.update(
    {
        rule: RuleHelp(
            None,
            f"Un élément du fichier UBL porte l'attribut {attribute}, que la norme EN 16931 "
            f"n'utilise pas : son contenu ne sera pas pris en compte. {WARNING_ONLY} "
            f"{_SOFTWARE}",
        )
        for rule, attribute in _UBL_DT_UNUSED.items()
    }
)
RULES["UBL-CR-666"] = RuleHelp(
    "BT-18",
    "Une même référence de document (AdditionalDocumentReference) est à la fois l'identifiant "
    "de l'objet facturé (BT-18, code 130) et une pièce jointe (BT-125) : séparez-les en deux "
    "références.",
)
RULES["UBL-CR-673"] = RuleHelp(
    "BT-18",
    "Une même référence de document (AdditionalDocumentReference) est à la fois l'identifiant "
    "de l'objet facturé (BT-18, code 130) et une pièce justificative décrite (BT-123) : "
    "retirez la description, ou séparez-les en deux références.",
)
