"""The XSD errors, explained: which field, and what is wrong with it (a value of the wrong
form, a missing or misplaced element, an attribute too many or missing).

libxml2 words each error the same way (``Element 'ram:X': Missing child element(s). Expected is
( ram:Y ).``); the error's path gives the field, through the business terms of ``paths``.
"""

from __future__ import annotations

import re

from einvoice.rulebook.base import RuleHelp
from einvoice.rulebook.paths import steps, term_at
from einvoice.rulebook.terms import TERMS, cap, field, of

_ELEMENT = re.compile(r"Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_SOFTWARE = "Le logiciel qui produit le fichier doit être corrigé, puis le fichier régénéré."

# The form a value must have, by the end of its element's name.
_FORMS = (
    ("Amount", "un montant avec un point décimal, sans espace ni symbole (1234.56)"),
    ("Quantity", "un nombre avec un point décimal, sans espace (12.5)"),
    ("Percent", "un taux sans symbole % (20 ou 5.5)"),
    ("DateTimeString", "une date AAAAMMJJ (20260131)"),
    ("Date", "une date AAAA-MM-JJ (2026-01-31)"),
    ("Indicator", "true ou false"),
)


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def _thing(element: str, term: str | None) -> str:
    if term and term in TERMS:
        return f"{field(term)[:-1]}, élément {element})"
    return f"l'élément {element}"


def _value(element: str, term: str | None, detail: str) -> RuleHelp:
    thing = _thing(element, term)
    if "length of '0'" in detail or detail.startswith("'' is not"):
        return RuleHelp(term, f"{cap(thing)} est vide : renseignez-le, ou retirez l'élément.")
    if "[facet 'enumeration']" in detail:
        expected = "une valeur de la liste que le format admet"
    else:
        expected = next(
            (form for suffix, form in _FORMS if element.endswith(suffix)),
            "la forme que le format impose (longueur, caractères, liste de valeurs)",
        )
    return RuleHelp(term, f"La valeur {of(thing)} n'a pas la forme attendue : écrivez {expected}.")


def explain_xsd(message: str, path: str) -> RuleHelp | None:
    """The help of one XSD error (its message, its path), or None for a wording not known."""
    match = _ELEMENT.search(message)
    if match is None:
        return None
    element, attribute, detail = _local(match.group(1)), match.group(2), match.group(3)
    term = term_at(path)
    expected = _EXPECTED.search(detail)
    names = [_local(name.strip()) for name in expected.group(1).split(",")] if expected else []
    if attribute and "is not allowed" in detail:
        return RuleHelp(
            term,
            f"L'attribut {attribute} {of(_thing(element, term))} n'est pas admis à cet endroit : "
            f"retirez-le. {_SOFTWARE}",
        )
    if "is required but missing" in detail:
        required = re.search(r"attribute '([^']+)'", detail)
        name = required.group(1) if required else "demandé"
        return RuleHelp(
            term,
            f"{cap(_thing(element, term))} n'a pas l'attribut {name}, obligatoire : ajoutez-le. "
            f"{_SOFTWARE}",
        )
    if "Missing child element" in detail:
        child = term_at(f"{steps(path)}/{names[0]}") if len(names) == 1 else None
        missing = _thing(names[0], child) if len(names) == 1 else f"l'un de {', '.join(names)}"
        return RuleHelp(
            child or term,
            f"{cap(_thing(element, term))} est incomplet : il y manque {missing}. Ajoutez-le. "
            f"{_SOFTWARE}",
        )
    if "This element is not expected" in detail:
        if names:
            return RuleHelp(
                None,
                f"L'élément {element} n'est pas attendu à cet endroit : un élément obligatoire "
                f"manque avant lui, ou il est mal placé (attendu ici : {', '.join(names)}). "
                f"{_SOFTWARE}",
            )
        return RuleHelp(
            term,
            f"{cap(_thing(element, term))} n'a pas sa place ici, ou est en trop : retirez-le. "
            f"{_SOFTWARE}",
        )
    if "valid value" in detail or "[facet" in detail:
        return _value(element, term, detail)
    return None
