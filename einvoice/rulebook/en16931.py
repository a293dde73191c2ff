"""EN 16931's own rules (CEN schematrons for CII and UBL, also run by the Factur-X profiles):
the mandatory fields (BR-01…BR-65), the calculations (BR-CO), the decimals (BR-DEC), the code
lists (BR-CL) and the VAT categories (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF,
BR-AG, BR-B).
"""

from __future__ import annotations

from einvoice.rulebook.base import (
    REGENERATE,
    RuleHelp,
    code_list,
    decimals,
    missing,
    one_of,
)
from einvoice.rulebook.terms import cap, field

_TOTALS = (
    "Recalculez les totaux à partir des lignes, en arrondissant chaque montant au centime, puis "
    "régénérez le fichier."
)
# Where a field is missing from (``missing``), and where one of two fields is (``one_of``).
_OF_LINE = "d'une ligne de facture (BG-25)"
_OF_ALLOWANCE = "d'une remise au niveau de la facture (BG-20)"
_OF_CHARGE = "de frais au niveau de la facture (BG-21)"
_OF_LINE_ALLOWANCE = "d'une remise sur une ligne (BG-27)"
_OF_LINE_CHARGE = "de frais sur une ligne (BG-28)"
_ALLOWANCE = "dans une remise au niveau de la facture (BG-20)"
_CHARGE = "dans des frais au niveau de la facture (BG-21)"
_LINE_ALLOWANCE = "dans une remise sur une ligne (BG-27)"
_LINE_CHARGE = "dans des frais sur une ligne (BG-28)"
_SCHEME = (
    "Ajoutez l'attribut schemeID qui dit de quel référentiel vient l'identifiant "
    "(par exemple 0009 pour un SIRET, 0088 pour un GLN)."
)

RULES: dict[str, RuleHelp] = {
    "BR-01": RuleHelp(
        "BT-24",
        f"L'identifiant du profil est absent : renseignez {field('BT-24')}, par exemple "
        "urn:cen.eu:en16931:2017 pour le profil EN 16931.",
    ),
    "BR-02": missing("BT-1"),
    "BR-03": missing("BT-2"),
    "BR-04": RuleHelp(
        "BT-3",
        f"{cap(field('BT-3'))} est absent : indiquez 380 pour une facture ou 381 pour un avoir.",
    ),
    "BR-05": RuleHelp(
        "BT-5",
        f"{cap(field('BT-5'))} est absent : indiquez le code ISO 4217 de la devise (EUR).",
    ),
    "BR-06": missing("BT-27", fix="Indiquez votre raison sociale."),
    "BR-07": missing("BT-44", fix="Indiquez le nom de l'entité publique facturée."),
    "BR-08": RuleHelp(
        "BG-5",
        "L'adresse postale du vendeur (BG-5) est absente : ajoutez-la, avec au moins son code "
        "pays (BT-40, FR pour la France).",
    ),
    "BR-09": missing("BT-40", "de l'adresse du vendeur", "Indiquez FR pour la France."),
    "BR-10": RuleHelp(
        "BG-8",
        "L'adresse postale de l'acheteur (BG-8) est absente : ajoutez-la, avec au moins son code "
        "pays (BT-55, FR pour la France).",
    ),
    "BR-11": missing("BT-55", "de l'adresse de l'acheteur", "Indiquez FR pour la France."),
    "BR-12": missing("BT-106", "des totaux de la facture", _TOTALS),
    "BR-13": missing("BT-109", "des totaux de la facture", _TOTALS),
    "BR-14": missing("BT-112", "des totaux de la facture", _TOTALS),
    "BR-15": missing("BT-115", "des totaux de la facture", _TOTALS),
    "BR-16": RuleHelp(
        "BG-25",
        "La facture ne contient aucune ligne (BG-25). Le profil EN 16931 exige au moins une "
        "ligne ; sans lignes, déposez-la au profil MINIMUM ou BASIC WL avec son PDF.",
    ),
    "BR-17": missing(
        "BT-59",
        "alors que le bénéficiaire du paiement (BG-10) diffère du vendeur",
        "Indiquez son nom, ou retirez le bénéficiaire s'il s'agit du vendeur lui-même.",
    ),
    "BR-18": missing("BT-62", "alors qu'un représentant fiscal du vendeur (BG-11) est donné"),
    "BR-19": RuleHelp(
        "BG-12",
        "Un représentant fiscal du vendeur (BG-11) est donné sans son adresse postale (BG-12) : "
        "ajoutez-la, avec au moins son code pays (BT-69).",
    ),
    "BR-20": missing("BT-69", "de l'adresse du représentant fiscal du vendeur"),
    "BR-21": missing("BT-126", _OF_LINE, "Numérotez chaque ligne (1, 2, 3…)."),
    "BR-22": missing("BT-129", _OF_LINE),
    "BR-23": missing(
        "BT-130", _OF_LINE, "Indiquez par exemple C62 (unité), HUR (heure) ou DAY (jour)."
    ),
    "BR-24": missing("BT-131", _OF_LINE, "Il vaut quantité × prix unitaire net, au centime."),
    "BR-25": missing("BT-153", _OF_LINE),
    "BR-26": missing("BT-146", _OF_LINE),
    "BR-27": RuleHelp(
        "BT-146",
        f"{cap(field('BT-146'))} d'une ligne est négatif : le prix doit être positif ou "
        "nul. Pour une reprise ou un retour, mettez une quantité négative.",
    ),
    "BR-28": RuleHelp(
        "BT-148",
        f"{cap(field('BT-148'))} d'une ligne est négatif : il doit être positif ou nul.",
    ),
    "BR-29": RuleHelp(
        "BT-74",
        "La période de facturation (BG-14) se termine avant de commencer : sa date de fin "
        "(BT-74) doit être égale ou postérieure à sa date de début (BT-73).",
    ),
    "BR-30": RuleHelp(
        "BT-135",
        "La période d'une ligne (BG-26) se termine avant de commencer : sa date de fin (BT-135) "
        "doit être égale ou postérieure à sa date de début (BT-134).",
    ),
    "BR-31": missing("BT-92", _OF_ALLOWANCE),
    "BR-32": missing("BT-95", _OF_ALLOWANCE, "Indiquez la catégorie de TVA (S, Z, E…)."),
    "BR-33": one_of("BT-97", "BT-98", _ALLOWANCE),
    "BR-36": missing("BT-99", _OF_CHARGE),
    "BR-37": missing("BT-102", _OF_CHARGE, "Indiquez la catégorie de TVA (S, Z, E…)."),
    "BR-38": one_of("BT-104", "BT-105", _CHARGE),
    "BR-41": missing("BT-136", _OF_LINE_ALLOWANCE),
    "BR-42": one_of("BT-139", "BT-140", _LINE_ALLOWANCE),
    "BR-43": missing("BT-141", _OF_LINE_CHARGE),
    "BR-44": one_of("BT-144", "BT-145", _LINE_CHARGE),
    "BR-45": missing("BT-116", "du récapitulatif de TVA (BG-23)"),
    "BR-46": missing("BT-117", "du récapitulatif de TVA (BG-23)"),
    "BR-47": missing(
        "BT-118",
        "du récapitulatif de TVA (BG-23)",
        "Indiquez S (taux normal), Z (taux zéro), E (exonéré), AE (autoliquidation) ou une "
        "autre catégorie de la liste.",
    ),
    "BR-48": missing(
        "BT-119",
        "du récapitulatif de TVA (BG-23)",
        "Indiquez le taux (20, 10, 5.5… ou 0), sauf pour une facture hors du champ de la TVA "
        "(catégorie O).",
    ),
    "BR-49": missing(
        "BT-81",
        "des instructions de paiement (BG-16)",
        "Indiquez par exemple 30 (virement) ou 58 (virement SEPA).",
    ),
    "BR-50": RuleHelp(
        "BT-84",
        "Le paiement est demandé par virement (BG-17) mais l'IBAN du compte à créditer (BT-84, "
        "« IBAN » dans le formulaire de saisie) est absent : ajoutez-le.",
    ),
    "BR-51": RuleHelp(
        "BT-87",
        f"{cap(field('BT-87'))} contient le numéro complet de la carte : pour la sécurité des "
        "paiements, n'en indiquez au plus que les 6 premiers et les 4 derniers chiffres.",
    ),
    "BR-52": missing("BT-122", "d'une pièce justificative jointe (BG-24)"),
    "BR-53": missing(
        "BT-111",
        "alors qu'une devise de comptabilisation de la TVA (BT-6) est indiquée",
        "Donnez le total de TVA dans cette devise, ou retirez BT-6.",
    ),
    "BR-54": RuleHelp(
        "BG-32",
        f"Un attribut d'article (BG-32) est incomplet : renseignez {field('BT-160')} et "
        f"{field('BT-161')}.",
    ),
    "BR-55": missing("BT-25", "de la référence à une facture antérieure (BG-3)"),
    "BR-56": missing("BT-63", "alors qu'un représentant fiscal du vendeur (BG-11) est donné"),
    "BR-57": missing("BT-80", "de l'adresse de livraison (BG-15)", "Indiquez FR pour la France."),
    "BR-61": RuleHelp(
        "BT-84",
        "Le paiement est demandé par virement (code 30 ou 58) mais l'IBAN du compte à "
        "créditer (BT-84, « IBAN » dans le formulaire de saisie) est absent : ajoutez-le.",
    ),
    "BR-62": RuleHelp(
        "BT-34",
        f"{cap(field('BT-34'))} n'a pas de type (attribut schemeID) : indiquez 0009 "
        "pour un SIRET, 0225 pour un SIREN ou EM pour une adresse e-mail.",
    ),
    "BR-63": RuleHelp(
        "BT-49",
        f"{cap(field('BT-49'))} n'a pas de type (attribut schemeID) : indiquez 0009 "
        "pour un SIRET, 0225 pour un SIREN ou EM pour une adresse e-mail.",
    ),
    "BR-64": RuleHelp(
        "BT-157",
        f"{cap(field('BT-157'))} n'a pas de type (attribut schemeID) : indiquez par "
        "exemple 0160 pour un GTIN (code EAN).",
    ),
    "BR-65": RuleHelp(
        "BT-158",
        f"{cap(field('BT-158'))} n'a pas de type (attribut listID) : indiquez de quelle "
        "nomenclature vient le code, par un code de la liste UNTDID 7143.",
    ),
    # --- Calculations and consistency ---
    "BR-CO-03": RuleHelp(
        "BT-7",
        f"{cap(field('BT-7'))} et {field('BT-8')} sont donnés tous les deux : gardez "
        "l'un ou l'autre.",
    ),
    "BR-CO-04": missing(
        "BT-151", _OF_LINE, "Indiquez la catégorie de TVA de la ligne (S, Z, E, AE…)."
    ),
    "BR-CO-05": RuleHelp(
        "BT-98",
        f"Dans une remise au niveau de la facture, {field('BT-98')} et {field('BT-97')} ne "
        "désignent pas la même remise : mettez le libellé en accord avec le code.",
    ),
    "BR-CO-06": RuleHelp(
        "BT-105",
        f"Dans des frais au niveau de la facture, {field('BT-105')} et {field('BT-104')} ne "
        "désignent pas les mêmes frais : mettez le libellé en accord avec le code.",
    ),
    "BR-CO-07": RuleHelp(
        "BT-140",
        f"Dans une remise sur une ligne, {field('BT-140')} et {field('BT-139')} ne désignent "
        "pas la même remise : mettez le libellé en accord avec le code.",
    ),
    "BR-CO-08": RuleHelp(
        "BT-145",
        f"Dans des frais sur une ligne, {field('BT-145')} et {field('BT-144')} ne désignent "
        "pas les mêmes frais : mettez le libellé en accord avec le code.",
    ),
    "BR-CO-09": RuleHelp(
        "BT-31",
        "Un numéro de TVA intracommunautaire (vendeur BT-31, acheteur BT-48 ou représentant "
        "fiscal BT-63) ne commence pas par le code de son pays : écrivez-le avec son préfixe, "
        "par exemple FR suivi des 11 caractères du numéro français (la Grèce utilise EL).",
    ),
    "BR-CO-10": RuleHelp(
        "BT-106",
        "La somme des montants nets des lignes (BT-106) n'est pas égale à celle des montants "
        "nets de chaque ligne (BT-131). " + _TOTALS,
    ),
    "BR-CO-11": RuleHelp(
        "BT-107",
        f"{cap(field('BT-107'))} n'est pas égal à la somme des montants des remises au "
        "niveau de la facture (BT-92) : corrigez-le.",
    ),
    "BR-CO-12": RuleHelp(
        "BT-108",
        f"{cap(field('BT-108'))} n'est pas égal à la somme des montants des frais au "
        "niveau de la facture (BT-99) : corrigez-le.",
    ),
    "BR-CO-13": RuleHelp(
        "BT-109",
        "Le total HT de la facture (BT-109) doit valoir la somme des lignes, moins les remises "
        "et plus les frais de pied de facture. " + _TOTALS,
    ),
    "BR-CO-14": RuleHelp(
        "BT-110",
        "Le total de TVA (BT-110) n'est pas égal à la somme des montants de TVA du récapitulatif "
        "par "
        "taux (BT-117). Corrigez le montant de TVA du taux concerné ou le total de TVA.",
    ),
    "BR-CO-15": RuleHelp(
        "BT-112",
        "Le total TTC (BT-112) doit être exactement le total HT (BT-109) plus le total de TVA "
        "(BT-110). "
        "Corrigez le total TTC (souvent une erreur d'arrondi d'un centime).",
    ),
    "BR-CO-16": RuleHelp(
        "BT-115",
        "Le net à payer (BT-115) doit valoir le total TTC (BT-112) moins le montant déjà payé "
        "(BT-113), "
        "plus l'éventuel arrondi (BT-114). Corrigez le net à payer.",
    ),
    "BR-CO-17": RuleHelp(
        "BT-117",
        f"Dans le récapitulatif de TVA, {field('BT-117')} ne vaut pas la base HT (BT-116) × le "
        "taux (BT-119) / 100, arrondi au centime : recalculez la TVA de ce taux.",
    ),
    "BR-CO-18": RuleHelp(
        "BG-23",
        "La facture n'a pas de récapitulatif de TVA (BG-23) : ajoutez-en un par catégorie et "
        "taux de TVA, avec sa base HT et son montant de TVA.",
    ),
    "BR-CO-19": RuleHelp(
        "BG-14",
        f"La période de facturation (BG-14) est vide : renseignez {field('BT-73')}, "
        f"{field('BT-74')} ou les deux, ou retirez la période.",
    ),
    "BR-CO-20": RuleHelp(
        "BG-26",
        f"La période d'une ligne (BG-26) est vide : renseignez {field('BT-134')}, "
        f"{field('BT-135')} ou les deux, ou retirez la période.",
    ),
    "BR-CO-21": one_of("BT-97", "BT-98", _ALLOWANCE),
    "BR-CO-22": one_of("BT-104", "BT-105", _CHARGE),
    "BR-CO-23": one_of("BT-139", "BT-140", _LINE_ALLOWANCE),
    "BR-CO-24": one_of("BT-144", "BT-145", _LINE_CHARGE),
    "BR-CO-25": RuleHelp(
        "BT-9",
        "Le net à payer (BT-115) est positif mais la facture ne donne ni "
        f"{field('BT-9')} ni {field('BT-20')} : ajoutez l'échéance ou les conditions de "
        "paiement.",
    ),
    "BR-CO-27": RuleHelp(
        "BT-84",
        "Le compte à créditer (BT-84, « IBAN » dans le formulaire de saisie) doit être donné "
        "soit par son IBAN, soit par un identifiant de compte propriétaire : donnez l'un des "
        "deux (l'IBAN pour un virement SEPA).",
    ),
    "BR-FX-EN-04": RuleHelp(
        "BT-72",
        "Pour un acheteur allemand, une facture autre qu'une facture d'acompte (386) doit dater "
        f"la livraison ou la prestation : donnez {field('BT-72')}, la période de facturation "
        "(BG-14) ou une période sur chaque ligne (BG-26) ; sans date de livraison, indiquez au "
        "moins le code pays de livraison (BT-80).",
    ),
    "BR-CO-26": RuleHelp(
        "BT-30",
        "Le vendeur n'est pas identifiable : donnez au moins son SIRET (BT-30, schéma 0009), "
        "son numéro de TVA intracommunautaire (BT-31) ou son identifiant (BT-29).",
    ),
}

# Too many decimals: one sentence, the amount as parameter.
_DECIMALS = {
    "BR-DEC-01": "BT-92",
    "BR-DEC-02": "BT-93",
    "BR-DEC-05": "BT-99",
    "BR-DEC-06": "BT-100",
    "BR-DEC-09": "BT-106",
    "BR-DEC-10": "BT-107",
    "BR-DEC-11": "BT-108",
    "BR-DEC-12": "BT-109",
    "BR-DEC-13": "BT-110",
    "BR-DEC-14": "BT-112",
    "BR-DEC-15": "BT-111",
    "BR-DEC-16": "BT-113",
    "BR-DEC-17": "BT-114",
    "BR-DEC-18": "BT-115",
    "BR-DEC-19": "BT-116",
    "BR-DEC-20": "BT-117",
    "BR-DEC-23": "BT-131",
    "BR-DEC-24": "BT-136",
    "BR-DEC-25": "BT-137",
    "BR-DEC-27": "BT-141",
    "BR-DEC-28": "BT-142",
}
RULES.update({rule: decimals(term) for rule, term in _DECIMALS.items()})
RULES["BR-DEC-23"] = RuleHelp(
    "BT-131",
    "Le montant net d'une ligne (BT-131) a plus de 2 décimales : arrondissez-le au centime (le "
    "prix unitaire, lui, peut garder jusqu'à 4 décimales).",
)

_ISO6523 = "0009 pour un SIRET, 0002 pour un SIREN, 0088 pour un GLN"
RULES.update(
    {
        "BR-CL-01": code_list(
            "BT-3",
            field("BT-3"),
            "utilisez 380 pour une facture, 381 pour un avoir, 384 pour une facture "
            "rectificative, 386 pour une facture d'acompte",
        ),
        "BR-CL-03": code_list(
            None,
            "Le code de devise d'un montant (attribut currencyID)",
            "utilisez un code ISO 4217 à trois lettres, EUR pour l'euro",
        ),
        "BR-CL-04": code_list(
            "BT-5", field("BT-5"), "utilisez un code ISO 4217 à trois lettres, EUR pour l'euro"
        ),
        "BR-CL-05": code_list(
            "BT-6", field("BT-6"), "utilisez un code ISO 4217 à trois lettres, EUR pour l'euro"
        ),
        "BR-CL-06": code_list(
            "BT-8",
            field("BT-8"),
            "en CII, utilisez 5 (date de facture), 29 (date de livraison) ou 72 (date de "
            "paiement) ; en UBL, 3, 35 ou 432",
        ),
        "BR-CL-07": code_list(
            "BT-18",
            "Le type de l'identifiant de l'objet facturé (BT-18, attribut schemeID)",
            "utilisez un code de la liste UNTDID 1153, qui dit de quel référentiel vient "
            "l'identifiant",
        ),
        "BR-CL-08": code_list(
            "BT-21",
            field("BT-21"),
            "utilisez un code de la liste UNTDID 4451, par exemple AAI (information générale), "
            "PMT, PMD ou AAB pour les mentions de paiement",
        ),
        "BR-CL-10": RuleHelp(
            "BT-29",
            "Le type d'un identifiant (attribut schemeID, par exemple de l'identifiant du "
            f"vendeur BT-29) n'appartient pas à la liste ISO 6523 : utilisez {_ISO6523}.",
        ),
        "BR-CL-11": RuleHelp(
            "BT-30",
            "Le type de l'identifiant légal (BT-30, attribut schemeID) n'appartient pas à la "
            "liste "
            "ISO 6523. Pour un SIRET, indiquez le schéma 0009 ; pour un SIREN, le schéma 0002.",
        ),
        "BR-CL-13": code_list(
            "BT-158",
            "Le type du code de classification de l'article (BT-158, attribut listID)",
            "utilisez un code de la liste UNTDID 7143, qui dit de quelle nomenclature vient le "
            "code",
        ),
        "BR-CL-14": code_list(
            "BT-40",
            "Un code pays (vendeur BT-40, acheteur BT-55, livraison BT-80…)",
            "utilisez le code ISO 3166-1 à deux lettres en majuscules, FR pour la France",
        ),
        "BR-CL-15": code_list(
            "BT-159",
            field("BT-159"),
            "utilisez le code ISO 3166-1 à deux lettres en majuscules, FR pour la France",
        ),
        "BR-CL-16": code_list(
            "BT-81",
            field("BT-81"),
            "utilisez un code UNTDID 4461, par exemple 30 (virement), 58 (virement SEPA), 49 "
            "(prélèvement) ou 48 (carte)",
        ),
        "BR-CL-17": code_list(
            "BT-95",
            "La catégorie de TVA d'une remise (BT-95), de frais (BT-102) ou du récapitulatif de "
            "TVA",
            "utilisez S (taux normal), Z (taux zéro), E (exonéré), AE (autoliquidation), K "
            "(livraison intracommunautaire), G (export hors UE), O (hors champ), L ou M",
        ),
        "BR-CL-18": code_list(
            "BT-151",
            "La catégorie de TVA d'une ligne (BT-151) ou du récapitulatif de TVA (BT-118)",
            "utilisez S (taux normal), Z (taux zéro), E (exonéré), AE (autoliquidation), K "
            "(livraison intracommunautaire), G (export hors UE), O (hors champ), L ou M",
        ),
        "BR-CL-19": code_list(
            "BT-98",
            "Le code du motif d'une remise (BT-98 ou BT-140)",
            "utilisez un code UNTDID 5189, par exemple 95 (remise) ou 100 (rabais spécial)",
        ),
        "BR-CL-20": code_list(
            "BT-105",
            "Le code du motif de frais (BT-105 ou BT-145)",
            "utilisez un code UNTDID 7161, par exemple FC (fret) ou ABL (emballage)",
        ),
        "BR-CL-21": code_list(
            "BT-157",
            "Le type de l'identifiant normalisé de l'article (BT-157, attribut schemeID)",
            "utilisez un code ISO 6523, par exemple 0160 pour un GTIN (EAN)",
        ),
        "BR-CL-22": RuleHelp(
            "BT-121",
            "Le code du motif d'exonération de TVA (BT-121) n'appartient pas à la liste VATEX "
            "(par "
            "exemple VATEX-EU-132 ou VATEX-FR-FRANCHISE) : corrigez-le, ou ne donnez que le "
            "motif en texte.",
        ),
        "BR-CL-23": code_list(
            "BT-130",
            "L'unité d'une quantité (BT-130 ou BT-150, attribut unitCode)",
            "utilisez un code de la recommandation 20 de l'UN/ECE, par exemple C62 (unité), "
            "HUR (heure), DAY (jour), KGM (kilogramme)",
        ),
        "BR-CL-24": code_list(
            "BT-125",
            "Le type de fichier d'une pièce jointe (BT-125, attribut mimeCode)",
            "joignez un fichier PDF (application/pdf), PNG, JPEG, CSV, XLSX ou ODS, avec le "
            "type MIME correspondant",
        ),
        "BR-CL-25": RuleHelp(
            "BT-34",
            "Le type de l'adresse électronique (BT-34 ou BT-49, attribut schemeID) n'appartient "
            "pas à la liste EAS : utilisez 0009 "
            "pour un SIRET, 0225 pour un SIREN ou EM pour une adresse e-mail, ou retirez "
            "l'adresse électronique.",
        ),
        "BR-CL-26": code_list(
            "BT-71",
            "Le type de l'identifiant du lieu de livraison (BT-71, attribut schemeID)",
            f"utilisez un code ISO 6523 : {_ISO6523}",
        ),
    }
)

# --- VAT categories: the same ten rules for each category, the category as parameter --------

_CATEGORIES = {
    # rule prefix: (category code, its French name, what the rate must be)
    "S": ("S", "taux normal", "être supérieur à zéro"),
    "Z": ("Z", "taux zéro", "être 0"),
    "E": ("E", "exonération", "être 0"),
    "AE": ("AE", "autoliquidation", "être 0"),
    "IC": ("K", "livraison intracommunautaire", "être 0"),
    "G": ("G", "exportation hors de l'Union européenne", "être 0"),
    "O": ("O", "hors du champ de la TVA", "être absent"),
    "AF": ("L", "IGIC des îles Canaries", "être égal ou supérieur à 0"),
    "AG": ("M", "IPSI de Ceuta et Melilla", "être égal ou supérieur à 0"),
}
# Categories with several rates (one breakdown per rate) and a tax to compute.
_TAXED = ("S", "AF", "AG")
# What the exemption reason of an exempt category says (BT-120 text, BT-121 VATEX code).
_REASONS = {
    "E": "par exemple « Exonération de TVA, article 261 du CGI »",
    "AE": "« Autoliquidation » ou le code VATEX-EU-AE",
    "IC": "par exemple « Exonération de TVA, article 262 ter I du CGI » ou le code VATEX-EU-IC",
    "G": "par exemple « Exonération de TVA, article 262 I du CGI » ou le code VATEX-EU-G",
    "O": "par exemple « Hors du champ de la TVA » ou le code VATEX-EU-O",
}
_SELLER_VAT = (
    "le numéro de TVA intracommunautaire du vendeur (BT-31), son identifiant fiscal (BT-32) ou "
    "celui de son représentant fiscal (BT-63)"
)
_SELLER_VAT_ONLY = (
    "le numéro de TVA intracommunautaire du vendeur (BT-31) ou celui de son représentant "
    "fiscal (BT-63)"
)


def _category_rules(prefix: str) -> dict[str, RuleHelp]:
    code, label, rate = _CATEGORIES[prefix]
    cat = f"la catégorie de TVA {code} ({label})"
    seller_vat = _SELLER_VAT_ONLY if prefix == "G" else _SELLER_VAT
    how_many = "une" if prefix in _TAXED else "une et une seule"
    per_rate = " (et de ce taux)" if prefix in _TAXED else ""
    rules = {
        "01": RuleHelp(
            "BG-23",
            f"La facture a une ligne, une remise ou des frais dans {cat}, mais son "
            f"récapitulatif de TVA (BG-23) n'a pas de ligne avec le code de catégorie {code} "
            f"(BT-118) : ajoutez-en {how_many}.",
        ),
        "02": RuleHelp(
            "BT-31",
            f"Une ligne relève de {cat} mais la facture ne donne pas {seller_vat} : ajoutez "
            "votre numéro de TVA (FR suivi de 11 caractères).",
        ),
        "03": RuleHelp(
            "BT-31",
            f"Une remise au niveau de la facture relève de {cat} mais la facture ne donne pas "
            f"{seller_vat} : ajoutez votre numéro de TVA.",
        ),
        "04": RuleHelp(
            "BT-31",
            f"Des frais au niveau de la facture relèvent de {cat} mais la facture ne donne pas "
            f"{seller_vat} : ajoutez votre numéro de TVA.",
        ),
        "05": RuleHelp(
            "BT-152",
            f"Une ligne relève de {cat} : son taux de TVA (BT-152, « TVA » dans le formulaire "
            f"de saisie) doit {rate}. Corrigez le taux ou la catégorie.",
        ),
        "06": RuleHelp(
            "BT-96",
            f"Une remise au niveau de la facture relève de {cat} : son taux de TVA (BT-96) doit "
            f"{rate}. Corrigez le taux ou la catégorie.",
        ),
        "07": RuleHelp(
            "BT-103",
            f"Des frais au niveau de la facture relèvent de {cat} : leur taux de TVA (BT-103) "
            f"doit {rate}. Corrigez le taux ou la catégorie.",
        ),
        "08": RuleHelp(
            "BT-116",
            f"Dans le récapitulatif de TVA, la base HT (BT-116) de {cat} n'est pas la somme "
            f"des montants nets des lignes de cette catégorie{per_rate}, moins les remises et "
            "plus les frais de pied de facture de la même catégorie : recalculez-la.",
        ),
        "09": RuleHelp(
            "BT-117",
            f"Dans le récapitulatif de TVA, le montant de TVA (BT-117) de {cat} est faux : il "
            + (
                "doit valoir la base HT (BT-116) × le taux (BT-119) / 100, arrondi au centime."
                if prefix in _TAXED
                else "doit être 0, aucune TVA n'étant due dans cette catégorie."
            ),
        ),
        "10": RuleHelp(
            "BT-120",
            f"Le récapitulatif de TVA de {cat} "
            + (
                "ne doit pas porter de motif d'exonération (BT-120, BT-121) : retirez-le."
                if prefix in ("S", "Z", "AF", "AG")
                else "doit porter le motif d'exonération, en texte (BT-120, « Motif "
                "d'exonération » dans le formulaire de saisie) ou en code VATEX (BT-121) : "
                f"ajoutez-le ({_REASONS.get(prefix, '')})."
            ),
        ),
    }
    return {f"BR-{prefix}-{number}": help_ for number, help_ in rules.items()}


for _prefix in _CATEGORIES:
    RULES.update(_category_rules(_prefix))

# Rules that differ from the pattern above.
RULES.update(
    {
        "BR-E-10": RuleHelp(
            "BT-120",
            "Une ligne est exonérée de TVA (catégorie E) sans motif : indiquez la mention "
            "d'exonération (BT-120, « Motif d'exonération » dans le formulaire de saisie), par "
            "exemple « Exonération de TVA, article 261 du CGI », ou son code VATEX (BT-121).",
        ),
        "BR-S-08": RuleHelp(
            "BT-116",
            "Pour chaque taux de TVA, la base HT du récapitulatif (BT-116) doit être la somme "
            "des montants nets des lignes à ce taux, moins les remises et plus les frais à ce "
            "taux. Regroupez les lignes par taux et recalculez les bases.",
        ),
        "BR-S-02": RuleHelp(
            "BT-31",
            "Une ligne est soumise à la TVA au taux normal mais le numéro de TVA "
            "intracommunautaire du fournisseur (BT-31) est absent : ajoutez-le (FR suivi de 11 "
            "caractères).",
        ),
        "BR-S-05": RuleHelp(
            "BT-152",
            "Une ligne au taux normal (catégorie S) doit avoir un taux de TVA (BT-152) "
            "supérieur à zéro ; pour un taux nul, utilisez la catégorie Z, E ou O selon le cas.",
        ),
        "BR-AE-02": RuleHelp(
            "BT-48",
            "Une ligne est en autoliquidation (catégorie AE) : la facture doit donner le numéro "
            "de TVA du vendeur (BT-31, ou BT-32 / BT-63) et celui de l'acheteur (BT-48) ou son "
            "identifiant légal (BT-47). Ajoutez celui qui manque.",
        ),
        "BR-AE-03": RuleHelp(
            "BT-48",
            "Une remise au niveau de la facture est en autoliquidation (catégorie AE) : la "
            "facture doit donner le numéro de TVA du vendeur (BT-31, ou BT-32 / BT-63) et celui "
            "de l'acheteur (BT-48) ou son identifiant légal (BT-47).",
        ),
        "BR-AE-04": RuleHelp(
            "BT-48",
            "Des frais au niveau de la facture sont en autoliquidation (catégorie AE) : la "
            "facture doit donner le numéro de TVA du vendeur (BT-31, ou BT-32 / BT-63) et celui "
            "de l'acheteur (BT-48) ou son identifiant légal (BT-47).",
        ),
        "BR-IC-02": RuleHelp(
            "BT-48",
            "Une ligne est une livraison intracommunautaire (catégorie K) : la facture doit "
            "donner le numéro de TVA du vendeur (BT-31 ou BT-63) et celui de l'acheteur "
            "(BT-48). Ajoutez celui qui manque.",
        ),
        "BR-IC-03": RuleHelp(
            "BT-48",
            "Une remise au niveau de la facture est en livraison intracommunautaire (catégorie "
            "K) : la facture doit donner le numéro de TVA du vendeur (BT-31 ou BT-63) et celui "
            "de l'acheteur (BT-48).",
        ),
        "BR-IC-04": RuleHelp(
            "BT-48",
            "Des frais au niveau de la facture sont en livraison intracommunautaire (catégorie "
            "K) : la facture doit donner le numéro de TVA du vendeur (BT-31 ou BT-63) et celui "
            "de l'acheteur (BT-48).",
        ),
        "BR-IC-11": RuleHelp(
            "BT-72",
            "Une facture de livraison intracommunautaire (catégorie K) doit donner la date de "
            "livraison effective (BT-72) ou la période de facturation (BG-14) : ajoutez-la.",
        ),
        "BR-IC-12": RuleHelp(
            "BT-80",
            "Une facture de livraison intracommunautaire (catégorie K) doit donner le code "
            "pays de livraison (BT-80) dans l'adresse de livraison : ajoutez-le.",
        ),
        "BR-O-02": RuleHelp(
            "BT-31",
            "Une ligne est hors du champ de la TVA (catégorie O) : la facture ne doit donner "
            "aucun numéro de TVA (vendeur BT-31, représentant fiscal BT-63, acheteur BT-48). "
            "Retirez-les, ou changez de catégorie.",
        ),
        "BR-O-03": RuleHelp(
            "BT-31",
            "Une remise au niveau de la facture est hors du champ de la TVA (catégorie O) : la "
            "facture ne doit donner aucun numéro de TVA (BT-31, BT-63, BT-48).",
        ),
        "BR-O-04": RuleHelp(
            "BT-31",
            "Des frais au niveau de la facture sont hors du champ de la TVA (catégorie O) : la "
            "facture ne doit donner aucun numéro de TVA (BT-31, BT-63, BT-48).",
        ),
        "BR-O-05": RuleHelp(
            "BT-152",
            "Une ligne hors du champ de la TVA (catégorie O) ne doit pas avoir de taux de TVA "
            "(BT-152) : retirez le taux.",
        ),
        "BR-O-06": RuleHelp(
            "BT-96",
            "Une remise hors du champ de la TVA (catégorie O) ne doit pas avoir de taux de TVA "
            "(BT-96) : retirez le taux.",
        ),
        "BR-O-07": RuleHelp(
            "BT-103",
            "Des frais hors du champ de la TVA (catégorie O) ne doivent pas avoir de taux de "
            "TVA (BT-103) : retirez le taux.",
        ),
        "BR-O-11": RuleHelp(
            "BG-23",
            "Une facture hors du champ de la TVA (catégorie O) ne peut pas avoir d'autre "
            "catégorie dans son récapitulatif de TVA (BG-23) : une facture mêlant opérations "
            "hors champ et opérations taxées doit être scindée.",
        ),
        "BR-O-12": RuleHelp(
            "BT-151",
            "Une facture hors du champ de la TVA (catégorie O) ne peut pas avoir de ligne "
            "(BT-151) dans une autre catégorie : scindez la facture.",
        ),
        "BR-O-13": RuleHelp(
            "BT-95",
            "Une facture hors du champ de la TVA (catégorie O) ne peut pas avoir de remise "
            "(BT-95) dans une autre catégorie : scindez la facture.",
        ),
        "BR-O-14": RuleHelp(
            "BT-102",
            "Une facture hors du champ de la TVA (catégorie O) ne peut pas avoir de frais "
            "(BT-102) dans une autre catégorie : scindez la facture.",
        ),
        "BR-B-01": RuleHelp(
            "BT-151",
            "La catégorie « split payment » (B) est réservée aux factures domestiques "
            "italiennes : donnez une autre catégorie de TVA aux lignes (BT-151), remises (BT-95) "
            "et frais (BT-102).",
        ),
        "BR-B-02": RuleHelp(
            "BT-151",
            "Une facture en « split payment » (catégorie B) ne peut pas contenir de ligne, "
            "remise ou frais au taux normal (catégorie S) : corrigez les catégories de TVA "
            "(BT-151, BT-95, BT-102).",
        ),
    }
)

__all__ = ["REGENERATE", "RULES"]
