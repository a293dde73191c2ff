"""The French 2026 reform rules (BR-FR-…, the ``BR-FR-Flux2`` schematrons), shown as warnings.

The reform's own messages are already in French; these explanations add the field in the
portal's words and why the warning may not matter for an invoice to a public buyer (the reform
applies to invoices between companies; Chorus keeps its own conventions where they differ).
The ids are those the portal reports: ``BR-FR-05`` for the stylesheet's ``BR-FR-05_BT-22_PMT``.
"""

from __future__ import annotations

from einvoice.rulebook.base import RuleHelp
from einvoice.rulebook.terms import cap, field

_WARNING = (
    "Règle de la réforme de la facturation électronique entre entreprises : simple "
    "avertissement, la facture reste recevable par Chorus."
)
_GROUPS = (
    "Ne concerne que les factures multi-vendeurs de la réforme (cadres de facturation S8, B8, "
    "M8, S9, B9, M9) : "
)


def _fr(term: str | None, text: str) -> RuleHelp:
    return RuleHelp(term, f"{text} {_WARNING}")


RULES: dict[str, RuleHelp] = {
    "BR-FR-01": _fr("BT-1", f"{cap(field('BT-1'))} dépasse 35 caractères : raccourcissez-le."),
    "BR-FR-02": _fr(
        "BT-1",
        f"{cap(field('BT-1'))} contient des caractères non admis : n'utilisez que des lettres, "
        "des chiffres et + - _ /, sans espace.",
    ),
    "BR-FR-03": _fr(
        "BT-2",
        "Une date (date de facture BT-2, ou autre date du fichier) n'est pas au format AAAAMMJJ "
        "ou son année n'est pas comprise entre 2000 et 2099 : corrigez-la.",
    ),
    "BR-FR-04": _fr(
        "BT-3",
        f"{cap(field('BT-3'))} n'est pas dans la liste de la réforme : utilisez par exemple "
        "380 (facture), 381 (avoir), 384 (facture rectificative) ou 386 (facture d'acompte).",
    ),
    "BR-FR-05": _fr(
        "BT-22",
        "Ajoutez en notes de facture (BT-22, « Commentaire » dans le formulaire de saisie) les "
        "trois mentions de paiement obligatoires en France : indemnité forfaitaire de "
        "recouvrement de 40 € (code PMT), pénalités ou intérêts de retard (code PMD), escompte "
        "ou son absence (code AAB).",
    ),
    "BR-FR-06": _fr(
        "BT-21",
        "Une même mention (code de sujet BT-21 : PMT, PMD, AAB, TXD…) figure dans plusieurs "
        "notes : gardez une seule note par code.",
    ),
    "BR-FR-08": _fr(
        "BT-23",
        f"{cap(field('BT-23'))} n'a pas un code de la réforme (B1, S1, M1…). Pour Chorus, ce "
        "champ porte le cadre de facturation de Chorus Pro (A1, A2…) : gardez-le tel quel.",
    ),
    "BR-FR-09": _fr(
        "BT-29",
        "Un SIRET donné comme identifiant (du vendeur BT-29, de l'acheteur BT-46, du "
        "bénéficiaire BT-60, du lieu de livraison BT-71…) n'a pas 14 chiffres ou ne commence "
        "pas par le SIREN de l'entreprise : corrigez-le.",
    ),
    "BR-FR-10": _fr(
        "BT-30",
        f"La réforme attend le SIREN (9 chiffres) dans {field('BT-30')} ; Chorus y attend le "
        "SIRET (schéma 0009) : gardez le SIRET.",
    ),
    "BR-FR-11": _fr(
        "BT-47",
        f"Pour une facture entre entreprises (note BAR = B2B), {field('BT-47')} doit être le "
        "SIREN de l'acheteur (9 chiffres).",
    ),
    "BR-FR-12": _fr(
        "BT-49",
        f"{cap(field('BT-49'))} est absent. Chorus n'en a pas besoin pour acheminer une facture "
        "au secteur public.",
    ),
    "BR-FR-13": _fr(
        "BT-34",
        f"{cap(field('BT-34'))} est absent. Chorus n'en a pas besoin pour acheminer une facture "
        "au secteur public.",
    ),
    "BR-FR-15": _fr(
        "BT-151",
        "Une catégorie de TVA (d'une ligne BT-151, d'une remise BT-95 ou de frais BT-102) n'est "
        "pas admise en France : utilisez S, E, AE, K, G, O ou Z (pas L ni M).",
    ),
    "BR-FR-16": _fr(
        "BT-152",
        "Un taux de TVA (d'une ligne BT-152, d'une remise BT-96 ou de frais BT-103) n'est pas "
        "un taux français admis ou est écrit avec « % » : écrivez le nombre seul, par exemple "
        "20, 10, 5.5 ou 2.1.",
    ),
    "BR-FR-17": _fr(
        "BT-123",
        f"{cap(field('BT-123'))} n'est pas un code de la liste de la réforme (par exemple "
        "LISIBLE pour la version lisible de la facture) : corrigez-le.",
    ),
    "BR-FR-18": _fr(
        "BT-123",
        "Plusieurs pièces jointes (BG-24) sont décrites comme « LISIBLE » (BT-123) : une seule "
        "peut l'être.",
    ),
    "BR-FR-20": _fr(
        "BT-22",
        "Une note au code BAR (BT-21) doit contenir B2B, B2BINT, B2C, B2CINT, OUTOFSCOPE ou "
        "ARCHIVEONLY (BT-22) : corrigez son texte.",
    ),
    "BR-FR-21": _fr(
        "BT-49",
        f"Pour une facture entre entreprises (note BAR = B2B), {field('BT-49')} doit commencer "
        "par le SIREN de l'acheteur, avec le type 0225.",
    ),
    "BR-FR-22": _fr(
        "BT-34",
        f"Pour une autofacture entre entreprises, {field('BT-34')} doit commencer par le SIREN "
        "du vendeur, avec le type 0225.",
    ),
    "BR-FR-23": _fr(
        "BT-34",
        "Une adresse électronique (vendeur BT-34 ou acheteur BT-49) contient des caractères non "
        "admis : n'utilisez que des lettres, des chiffres, le tiret, le tiret bas et le point.",
    ),
    "BR-FR-24": _fr(
        "BT-29",
        "Un identifiant (vendeur BT-29, acheteur BT-46…) contient des caractères non admis : "
        "n'utilisez que des lettres, des chiffres, le tiret, le tiret bas et le point.",
    ),
    "BR-FR-25": _fr(
        "BT-34",
        "Une adresse électronique (vendeur BT-34 ou acheteur BT-49) dépasse 125 caractères : "
        "raccourcissez-la.",
    ),
    "BR-FR-26": _fr(
        "BT-29",
        "Un identifiant (vendeur BT-29, acheteur BT-46…) dépasse 100 caractères : "
        "raccourcissez-le.",
    ),
    "BR-FR-27": _fr(
        "BG-32",
        "Un attribut d'article (BG-32) n'a ni nom (BT-160) ni code : ajoutez-en un.",
    ),
    "BR-FR-28": _fr(
        "BT-161",
        "Un attribut d'article doit avoir soit une valeur (BT-161), soit une valeur avec unité "
        "de mesure, pas les deux ni aucune.",
    ),
    "BR-FR-29": _fr(
        "BT-18",
        f"{cap(field('BT-18'))} est donné plusieurs fois avec le même schéma AFL ou AVV : "
        "gardez-en un par schéma.",
    ),
    "BR-FR-30": _fr(
        "BT-128",
        f"{cap(field('BT-128'))} est donné plusieurs fois avec le même schéma AFL ou AVV sur "
        "une ligne : gardez-en un par schéma.",
    ),
    "BR-FR-31": _fr(
        "BT-22",
        "Plusieurs notes au code BAR (BT-21) donnent des valeurs différentes (BT-22) : gardez "
        "une seule valeur.",
    ),
    "BR-FR-32": _fr(
        None,
        "Un identifiant légal de type 0002 (SIREN) n'a pas exactement 9 chiffres : corrigez-le, "
        "ou utilisez le type 0009 pour un SIRET (14 chiffres).",
    ),
    "BR-FR-CO-03": _fr(
        "BT-12",
        "Un avoir de remise globale (type 262) doit donner la référence du contrat (BT-12, "
        "« Numéro de marché » dans le formulaire de saisie) et la période de facturation (BG-14, "
        "début et fin).",
    ),
    "BR-FR-CO-04": _fr(
        "BT-25",
        "Une facture rectificative (type 384, 471, 472 ou 473) doit donner une et une seule "
        "référence à la facture qu'elle corrige (BT-25, « Numéro de la facture d'origine "
        "(avoir) » dans le formulaire de saisie) avec sa date (BT-26).",
    ),
    "BR-FR-CO-05": _fr(
        "BT-25",
        "Un avoir doit donner la facture qu'il annule ou corrige : sa référence (BT-25, "
        "« Numéro de la facture d'origine (avoir) » dans le formulaire de saisie) et sa date "
        "(BT-26), en en-tête ou sur chaque ligne.",
    ),
    "BR-FR-CO-07": _fr(
        "BT-9",
        "La date d'échéance du paiement (BT-9) est antérieure à la date de facture (BT-2) : "
        "corrigez-la (sauf facture d'acompte ou facture déjà payée).",
    ),
    "BR-FR-CO-08": _fr(
        "BT-3",
        "Une facture définitive après acompte (cadre B4, S4 ou M4) ne peut pas être une facture "
        "ou un avoir d'acompte (type 386, 500 ou 503) : corrigez le type (BT-3) ou le cadre "
        "(BT-23).",
    ),
    "BR-FR-CO-09": _fr(
        "BT-113",
        "Pour une facture déjà payée (cadre B2, S2 ou M2), le montant déjà payé (BT-113, "
        "« Montant déjà payé » dans le formulaire de saisie) doit égaler le total TTC (BT-112), "
        "le net à payer (BT-115) être 0 et la date d'échéance (BT-9) être la date du paiement.",
    ),
    "BR-FR-CO-10": _fr(
        "BT-29",
        "Un identifiant (du vendeur BT-29, de l'acheteur BT-46, d'un article…) n'a pas de type "
        "(attribut schemeID) ou a plusieurs fois le même : ajoutez le type, par exemple 0009 "
        "pour un SIRET, et gardez un identifiant par type.",
    ),
    "BR-FR-CO-12": _fr(
        "BT-6",
        "La facture n'est pas en euros : donnez aussi la devise de comptabilisation de la TVA "
        "(BT-6 = EUR) et le total de TVA en euros (BT-111).",
    ),
    "BR-FR-CO-14": _fr(
        "BT-22",
        "Le vendeur est membre d'un assujetti unique (type d'identifiant 0231) : ajoutez une note "
        "au code TXD (BT-21) portant le texte MEMBRE_ASSUJETTI_UNIQUE (BT-22).",
    ),
    "BR-FR-CO-15": _fr(
        "BT-63",
        "Le vendeur est membre d'un assujetti unique (type d'identifiant 0231) : donnez le "
        "représentant fiscal (BG-11) avec le numéro de TVA de l'assujetti unique (BT-63).",
    ),
    "BR-FR-DEC-01": _fr(
        "BT-92",
        "Un montant (remise BT-92, frais BT-99, total…) a plus de 2 décimales, une virgule au "
        "lieu d'un point ou plus de 19 chiffres : écrivez-le au centime avec un point (1234.56).",
    ),
    "BR-FR-DEC-02": _fr(
        "BT-129",
        f"{cap(field('BT-129'))} a plus de 4 décimales, une virgule au lieu d'un point ou plus "
        "de 19 chiffres : corrigez-la.",
    ),
    "BR-FR-DEC-03": _fr(
        "BT-146",
        f"{cap(field('BT-146'))} est négatif, a plus de 6 décimales ou plus de 19 chiffres : "
        "corrigez-le.",
    ),
    "BR-FR-DEC-04": _fr(
        "BT-96",
        "Un taux de TVA (d'une remise BT-96, de frais BT-103, d'une ligne BT-152…) est "
        "négatif, a plus de 2 décimales ou plus de 4 chiffres : écrivez-le comme 20, 5.5 ou "
        "2.1.",
    ),
}

_MULTI_VENDOR: dict[str, tuple[str | None, str]] = {
    "BR-FR-MV-01": ("BG-25", "chaque ligne (BG-25) doit porter un sous-type (DETAIL, GROUP…)."),
    "BR-FR-MV-02": (
        "BG-25",
        "la facture doit avoir au moins une ligne (BG-25) GROUP sans parent.",
    ),
    "BR-FR-BD-02": (
        "BG-25",
        "la facture doit avoir exactement deux lignes (BG-25) GROUP sans parent.",
    ),
    "BR-FR-MV-03": (
        None,
        "chaque ligne GROUP sans parent doit donner son vendeur (nom, identifiants, adresse), "
        "son numéro de facture et ses montants.",
    ),
    "BR-FR-MV-05": (
        "BT-131",
        "le montant net (BT-131) d'une ligne GROUP doit être la somme de ceux de ses sous-lignes.",
    ),
    "BR-FR-MV-06": (
        None,
        "chaque ligne doit donner l'identifiant légal de son vendeur, le même que sa ligne "
        "parente.",
    ),
    "BR-FR-MV-07": (
        "BT-128",
        "chaque ligne doit donner son numéro de facture (BT-128, schéma AFL), le même que sa "
        "ligne parente.",
    ),
    "BR-FR-MV-08": (
        "BT-128",
        "le motif d'exonération de chaque ligne doit commencer par son numéro de sous-facture "
        "(BT-128) entre #.",
    ),
    "BR-FR-MV-09": (
        None,
        "le total de TVA d'une ligne GROUP doit être la somme de la TVA de ses sous-lignes.",
    ),
    "BR-FR-MV-10": (
        None,
        "le total TTC d'une ligne GROUP doit valoir son montant HT plus sa TVA.",
    ),
    "BR-FR-MV-11": (
        "BT-1",
        "le vendeur principal doit avoir une ligne GROUP dont le numéro de facture est celui de "
        "la facture (BT-1).",
    ),
    "BR-FR-MV-12": (
        "BT-128",
        "les numéros de facture (BT-128) des lignes GROUP sans parent doivent être différents.",
    ),
    "BR-FR-MV-13": ("BT-3", "le type de facture (BT-3) ne peut pas être une autofacture."),
    "BR-FR-BD-13": ("BT-3", "le type de facture (BT-3) doit être une autofacture."),
    "BR-FR-MV-14": (
        None,
        "pour un avoir ou une facture rectificative, chaque ligne GROUP sans parent doit "
        "donner la facture antérieure et sa date.",
    ),
    "BR-FR-BD-14": (
        None,
        "pour un avoir ou une facture rectificative, chaque ligne GROUP sans parent doit "
        "donner la facture antérieure et sa date.",
    ),
}
RULES.update({rule: _fr(term, _GROUPS + text) for rule, (term, text) in _MULTI_VENDOR.items()})
