"""The fixed catalogue of ticket categories and sub-categories, and who receives each.

Fixed in code rather than managed in admin: the routing of a sub-category (portal support or
the invoice's public recipient) is a rule of the product, the labels are translated like any
other string, and a code stored on a ticket never dangles.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Receiver(StrEnum):
    SUPPORT = "SUPPORT"  # the portal's support team (staff users)
    RECIPIENT = "RECIPIENT"  # the public recipient of an invoice, through one of its services


@dataclass(frozen=True)
class Subcategory:
    code: str
    label: str | Promise
    receiver: Receiver = Receiver.SUPPORT


@dataclass(frozen=True)
class Category:
    code: str
    label: str | Promise
    subcategories: tuple[Subcategory, ...]


_R = Receiver.RECIPIENT

CATEGORIES: tuple[Category, ...] = (
    Category(
        "COMPTE",
        _("Compte et connexion"),
        (
            Subcategory("CREATION", _("Création de compte")),
            Subcategory("ACTIVATION", _("Courriel d’activation non reçu ou lien expiré")),
            Subcategory("CONNEXION", _("Connexion impossible ou compte bloqué")),
            Subcategory("MOT_DE_PASSE", _("Mot de passe oublié")),
            Subcategory("DONNEES", _("Modification de mes informations")),
        ),
    ),
    Category(
        "STRUCTURE",
        _("Structure et rattachement"),
        (
            Subcategory("CREATION", _("Création de la structure, SIRET introuvable")),
            Subcategory("RATTACHEMENT", _("Demande de rattachement sans réponse")),
            Subcategory("GESTIONNAIRE", _("Remplacement du gestionnaire principal")),
            Subcategory("MANDAT", _("Mandat de facturation et CGU")),
        ),
    ),
    Category(
        "DEPOT",
        _("Dépôt de facture"),
        (
            Subcategory("SAISIE", _("Saisie manuelle")),
            Subcategory("PDF", _("Dépôt d’un PDF")),
            Subcategory("FORMAT", _("Fichier structuré (Factur-X, UBL, CII) refusé")),
            Subcategory("DESTINATAIRE", _("SIRET, code service ou engagement introuvable")),
            Subcategory("DOUBLON", _("Facture refusée comme doublon")),
        ),
    ),
    Category(
        "TRAITEMENT",
        _("Traitement d’une facture"),
        (
            Subcategory("REJET", _("Question sur un rejet"), _R),
            Subcategory("SUSPENSION", _("Facture suspendue"), _R),
            Subcategory("A_RECYCLER", _("Facture à recycler"), _R),
            Subcategory("PAIEMENT", _("Délai ou retard de paiement"), _R),
            Subcategory("AUTRE", _("Autre question au destinataire"), _R),
        ),
    ),
    Category(
        "API",
        _("API et raccordement"),
        (
            Subcategory("ACCES", _("Accès et jeton")),
            Subcategory("ERREUR", _("Erreur lors d’un appel")),
            Subcategory("FORMATS", _("Formats échangés")),
        ),
    ),
    Category(
        "AUTRE",
        _("Autre"),
        (
            Subcategory("QUESTION", _("Question générale")),
            Subcategory("SUGGESTION", _("Suggestion d’amélioration")),
        ),
    ),
)

_CATEGORIES = {category.code: category for category in CATEGORIES}
TOPIC_SEPARATOR = "/"


def category(code: str) -> Category | None:
    return _CATEGORIES.get(code)


def subcategory(category_code: str, code: str | None) -> Subcategory | None:
    found = _CATEGORIES.get(category_code)
    if found is None:
        return None
    return next((sub for sub in found.subcategories if sub.code == code), None)


def category_choices() -> list[tuple[str, str | Promise]]:
    return [(c.code, c.label) for c in CATEGORIES]


def topic(category_code: str, subcategory_code: str) -> str:
    """The value of the single select that picks both (``CATEGORIE/SOUS_CATEGORIE``)."""
    return f"{category_code}{TOPIC_SEPARATOR}{subcategory_code}"


def topic_choices() -> list[tuple[str | Promise, list[tuple[str, str | Promise]]]]:
    """Sub-categories grouped by category: one select with option groups, no script needed."""
    return [
        (c.label, [(topic(c.code, s.code), s.label) for s in c.subcategories]) for c in CATEGORIES
    ]


def split_topic(value: str) -> tuple[str, str] | None:
    category_code, _sep, subcategory_code = value.partition(TOPIC_SEPARATOR)
    if subcategory(category_code, subcategory_code) is None:
        return None
    return category_code, subcategory_code


def receiver_for(category_code: str, subcategory_code: str | None) -> Receiver:
    found = subcategory(category_code, subcategory_code)
    return found.receiver if found else Receiver.SUPPORT


def subcategory_label(category_code: str, subcategory_code: str) -> str | Promise:
    found = subcategory(category_code, subcategory_code)
    return found.label if found else subcategory_code
