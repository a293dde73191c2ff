"""The rules of the Factur-X EXTENDED and EXTENDED-CTC-FR profiles (BR-FXEXT-…, BR-FREXT-…,
CII-FREXT-…, UBL-FREXT-…).

Most restate an EN 16931 rule for invoices whose lines may be grouped (a line's subtype,
BT-X-8 / EXT-FR-FE-163: DETAIL, GROUP, INFORMATION): only the detail lines count, and the sums
are checked to one cent per amount added. They share the EN 16931 rule's explanation, with a
sentence saying so; the few of their own are written out.
"""

from __future__ import annotations

from einvoice.rulebook.base import RuleHelp, at_most_once, code_list
from einvoice.rulebook.terms import cap

_EXTENDED = (
    "Profil EXTENDED, règle {base} appliquée aux seules lignes de détail (sous-type DETAIL ou "
    "non précisé){tolerance}. "
)
_TOLERANCE = ", à un centime près par montant additionné"
# The restated rules that add amounts up (the others say a field is missing or wrong).
_SUMS = ("BR-CO-1", "-08", "-09")
_WITH_REASONS = (
    " Depuis 2026, la base se calcule aussi par motif d'exonération : les lignes, remises et "
    "frais dont le motif (BT-120, BT-121) diffère vont dans des récapitulatifs distincts."
)
_VAT_PREFIXES = ("S", "Z", "E", "AE", "IC", "G", "O", "AF", "AG")

# Extension rule → the EN 16931 rule it restates.
RESTATED: dict[str, str] = {
    f"BR-{family}-{prefix}-{number}{variant}": f"BR-{prefix}-{number}"
    for family in ("FXEXT", "FREXT")
    for prefix in _VAT_PREFIXES
    for number in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
    for variant in ("", "b", "ini", "rev")
}
RESTATED.update(
    {
        "BR-FXEXT-S08b": "BR-S-08",
        "BR-FXEXT-BR-22": "BR-22",
        "BR-FXEXT-BR-23": "BR-23",
        "BR-FXEXT-BR-24": "BR-24",
        "BR-FXEXT-BR-26": "BR-26",
        "BR-FXEXT-BR-38": "BR-38",
        "BR-FXEXT-BR-44": "BR-44",
        "BR-FXEXT-CO-04": "BR-CO-04",
        "BR-FXEXT-CO-10": "BR-CO-10",
        "BR-FXEXT-CO-11": "BR-CO-11",
        "BR-FXEXT-CO-12": "BR-CO-12",
        "BR-FXEXT-CO-13": "BR-CO-13",
        "BR-FXEXT-CO-15": "BR-CO-15",
        "BR-FXEXT-CO-16": "BR-CO-16",
        "BR-FREXT-22": "BR-22",
        "BR-FREXT-23": "BR-23",
        "BR-FREXT-24": "BR-24",
        "BR-FREXT-26": "BR-26",
        "BR-FREXT-BR-22": "BR-22",
        "BR-FREXT-BR-23": "BR-23",
        "BR-FREXT-BR-24": "BR-24",
        "BR-FREXT-BR-26": "BR-26",
        "BR-FREXT-BR-38": "BR-38",
        "BR-FREXT-BR-44": "BR-44",
        "BR-FREXT-CO-04": "BR-CO-04",
        "BR-FREXT-CO-10": "BR-CO-10",
        "BR-FREXT-CO-11": "BR-CO-11",
        "BR-FREXT-CO-12": "BR-CO-12",
        "BR-FREXT-CO-13": "BR-CO-13",
        "BR-FREXT-CO-15": "BR-CO-15",
        "BR-FREXT-CL-10": "BR-CL-10",
        "BR-FREXT-CL-20": "BR-CL-20",
        "BR-FREXT-CL-24": "BR-CL-24",
        "BR-EXT-CL-07": "BR-CL-07",
    }
)


def restated(rule_id: str, base: RuleHelp) -> RuleHelp:
    """The explanation of an extension rule that restates the EN 16931 rule ``base``."""
    base_id = RESTATED[rule_id]
    tolerance = _TOLERANCE if any(part in base_id for part in _SUMS) else ""
    text = _EXTENDED.format(base=base_id, tolerance=tolerance) + base.text
    if rule_id.endswith(("rev", "b")) and "-08" in rule_id:
        text += _WITH_REASONS
    return RuleHelp(base.business_term, text)


_SUBTYPE = "le sous-type de la ligne (BT-X-8 / EXT-FR-FE-163)"
_PARENT = "l'identifiant de la ligne parente (BT-X-304 / EXT-FR-FE-162)"

RULES: dict[str, RuleHelp] = {
    "BR-FXEXT-01": RuleHelp(
        "BT-21",
        "Une note a un code de sujet (BT-21) sans texte : donnez son contenu (BT-22) ou son "
        "texte codé (BT-X-5), ou retirez la note.",
    ),
    "BR-FXEXT-02": RuleHelp(
        "BT-127",
        "Une note de ligne a un code de sujet (BT-X-10) sans texte : donnez son contenu "
        "(BT-127) ou son texte codé (BT-X-9).",
    ),
    "BR-FXEXT-03": RuleHelp(
        None,
        "Pour les partenaires secondaires (livraison à la ligne, agent commercial, etc.), seul "
        "un numéro de TVA est admis comme enregistrement fiscal : retirez les autres.",
    ),
    "BR-FXEXT-04": code_list(
        None,
        "Le code d'un attribut d'article (TypeCode)",
        "utilisez un code de la liste UNTDID 6313 complétée par Factur-X (simple avertissement)",
    ),
    "BR-FREXT-04": code_list(
        None,
        "Le code d'un attribut d'article",
        "utilisez un code de la liste UNTDID 6313 complétée par Factur-X",
    ),
    "BR-FREXT-05": code_list(
        "BG-25",
        f"{cap(_SUBTYPE)} d'une ligne (BG-25)",
        "utilisez DETAIL, GROUP ou INFORMATION",
    ),
    "BR-FXEXT-06": RuleHelp(
        "BG-25",
        f"Une ligne (BG-25) indique {_PARENT} sans {_SUBTYPE} : précisez le sous-type (DETAIL, "
        "GROUP ou INFORMATION).",
    ),
    "BR-FXEXT-08": RuleHelp(
        "BT-131",
        "Le montant net (BT-131) d'une ligne de regroupement (GROUP) n'est pas la somme de "
        "ceux de ses sous-lignes : recalculez-le.",
    ),
    "BR-FXEXT-11": RuleHelp(
        "BT-126",
        f"Une ligne donne {_PARENT} qui ne correspond au numéro (BT-126) d'aucune autre ligne : "
        "corrigez la référence.",
    ),
    "BR-FXEXT-12": RuleHelp(
        "BT-131",
        "Une ligne de regroupement (GROUP) a un montant net (BT-131) : toutes ses sous-lignes "
        "de détail doivent alors en avoir un aussi.",
    ),
    "BR-FXEXT-BR-54-1": RuleHelp(
        "BG-32",
        "Un attribut d'article (BG-32) n'a ni nom (BT-160) ni code (BT-X-11) : ajoutez-en un.",
    ),
    "BR-FXEXT-BR-54-2": RuleHelp(
        "BT-161",
        "Un attribut d'article doit avoir soit une valeur (BT-161), soit une valeur avec unité "
        "(BT-X-12), pas les deux ni aucune.",
    ),
    "BR-FREXT-CL-19-GP": code_list(
        None,
        "Le code du motif d'un rabais sur le prix brut",
        "utilisez un code UNTDID 5189, par exemple 95 (remise)",
    ),
    "BR-FREXT-CL-20-LISTID": code_list(
        "BT-105",
        "La liste du code du motif de frais (BT-105, attribut listID)",
        "indiquez 7161 (frais) ou 5153 (taxe autre que la TVA), ou retirez l'attribut",
    ),
    "BR-FREXT-CL-20-TAX": code_list(
        "BT-105",
        "Le code d'une taxe autre que la TVA (BT-105)",
        "utilisez un code UNTDID 5153 autre que VAT",
    ),
    "BR-FREXT-CL-27": code_list(
        None,
        "Le code Incoterms des conditions de livraison",
        "utilisez un Incoterm de la liste (EXW, FCA, DAP, DDP…)",
    ),
    "BR-FREXT-S-09": RuleHelp(
        "BT-117",
        "Dans le récapitulatif de TVA au taux normal (catégorie S), le montant de TVA (BT-117) "
        "d'un taux ne vaut pas la base HT (BT-116) × le taux (BT-119) / 100, à un centime près : "
        "recalculez la TVA de ce taux.",
    ),
    "BR-FXEXT-S-09": RuleHelp(
        "BT-117",
        "Dans le récapitulatif de TVA au taux normal (catégorie S), le montant de TVA (BT-117) "
        "d'un taux ne vaut pas la base HT (BT-116) × le taux (BT-119) / 100, à un centime près : "
        "recalculez la TVA de ce taux.",
    ),
    "CII-EXT-DT-018": RuleHelp(
        None,
        "Une référence de document (…ReferencedDocument) porte un TypeCode que la norme "
        "n'utilise pas à cet endroit : retirez-le.",
    ),
    "CII-FREXT-DT-024": RuleHelp(
        None,
        "Une référence de document (…ReferencedDocument) porte un ReferenceTypeCode que la "
        "norme n'utilise pas à cet endroit : retirez-le.",
    ),
    "CII-FREXTDT-027": RuleHelp(
        None,
        "Une référence de document (…ReferencedDocument) porte une date (FormattedIssueDateTime) "
        "que la norme n'utilise pas à cet endroit : retirez-la.",
    ),
    "CII-FREXT-SR-069": at_most_once("BT-160"),
    "CII-FREXT-SR-072": at_most_once("BT-161"),
    "CII-FREXT-SR-106": RuleHelp(
        None,
        "Les conditions de livraison d'une ligne ne peuvent porter que le code Incoterms "
        "(DeliveryTypeCode) et le nom du lieu : retirez le reste.",
    ),
    "CII-FREXT-SR-293": RuleHelp(
        None,
        "Les conditions de livraison de la facture ne peuvent porter que le code Incoterms "
        "(DeliveryTypeCode) et le nom du lieu : retirez le reste.",
    ),
    "CII-FREXT-SR-366": RuleHelp(
        None,
        "Le change de la devise de TVA (TaxApplicableTradeCurrencyExchange) porte une donnée "
        "que la norme n'utilise pas : retirez-la (simple avertissement).",
    ),
    "CII-FREXT-CR-490": RuleHelp(
        None,
        "Le change de la devise de TVA porte une donnée que la norme n'utilise pas : "
        "retirez-la (simple avertissement).",
    ),
    "CII-FREXT-SR-439": at_most_once("BT-146"),
    "UBL-FREXT-CR-410": RuleHelp(
        None,
        "Les conditions de livraison (DeliveryTerms) ne peuvent porter que le code Incoterms "
        "(ID) et le nom du lieu (DeliveryLocation/Name) : retirez le reste (simple "
        "avertissement).",
    ),
    "UBL-FREXT-CR-645": RuleHelp(
        None,
        "Les conditions de livraison d'une ligne (DeliveryTerms) ne peuvent porter que le code "
        "Incoterms (ID) et le nom du lieu : retirez le reste (simple avertissement).",
    ),
    "UBL-FREXT-SR-48": RuleHelp(
        "BT-151",
        "Une ligne de détail doit avoir exactement une catégorie de TVA (BT-151), une ligne de "
        "regroupement au plus une : corrigez les catégories.",
    ),
}
RULES["BR-FREXT-06"] = RULES["BR-FXEXT-06"]
RULES["BR-FREXT-08"] = RULES["BR-FXEXT-08"]
RULES["BR-FREXT-11"] = RULES["BR-FXEXT-11"]
RULES["BR-FREXT-12"] = RULES["BR-FXEXT-12"]
RULES["BR-FREXT-54-1"] = RULES["BR-FXEXT-BR-54-1"]
RULES["BR-FREXT-54-2"] = RULES["BR-FXEXT-BR-54-2"]
