"""What every explanation is, and the sentences that families of rules share.

An explanation says what is wrong, in which field (its business term, and the entry form's
label where the form has one), and what to change. Families of near-identical rules (a missing
field, too many decimals, a code outside its list, an element EN 16931 does not use) share one
sentence with the field as parameter; the rest are written out one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from einvoice.rulebook.terms import cap, field

WARNING_ONLY = "Simple avertissement : la facture reste recevable."
REGENERATE = "Complétez la facture dans votre logiciel de facturation, puis régénérez le fichier."


@dataclass(frozen=True)
class RuleHelp:
    """The French help of one rule: the business term it concerns and what to change."""

    business_term: str | None
    text: str


def missing(term: str, where: str = "", fix: str = "") -> RuleHelp:
    """A required field is absent (BR-02, BR-21…); ``where`` says of what (``d'une ligne de
    facture (BG-25)``) or when (``alors que…``)."""
    place = f" {where}" if where else ""
    return RuleHelp(term, f"{cap(field(term))} est absent{place} : ajoutez-le. {fix or REGENERATE}")


def one_of(term: str, other: str, where: str = "") -> RuleHelp:
    """One of two fields is required (a reason or its code…)."""
    place = f"{where}, " if where else ""
    return RuleHelp(
        term,
        f"{cap(place)}{field(term)} ou {field(other)} doit être renseigné (ou les deux) : "
        f"ajoutez au moins l'un des deux.",
    )


def decimals(term: str) -> RuleHelp:
    """An amount with more than two decimals (BR-DEC-…)."""
    return RuleHelp(
        term,
        f"{cap(field(term))} a plus de 2 décimales : arrondissez-le au centime (deux chiffres "
        "après le point décimal).",
    )


def at_most_once(term: str, what: str = "") -> RuleHelp:
    """A field given more than once where EN 16931 allows one (UBL-SR-…)."""
    thing = what or field(term)
    return RuleHelp(
        term or None,
        f"{cap(thing)} figure plusieurs fois alors qu'il ne peut figurer qu'une fois : gardez "
        "une seule occurrence.",
    )


def code_list(term: str | None, what: str, examples: str) -> RuleHelp:
    """A code outside the list EN 16931 imposes for the field (BR-CL-…)."""
    return RuleHelp(
        term,
        f"{cap(what)} n'appartient pas à la liste de codes imposée : {examples}.",
    )
