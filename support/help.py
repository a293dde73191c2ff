"""The help pages: one per step of the supplier's journey, each with a stable URL name
(``help:<name>``) so that the page it explains can link to it (``{% help_link "mandate" %}``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HelpPage:
    name: str  # URL name in the "help" namespace: never change it, pages link to it
    slug: str  # URL path (French, as the portal's)
    title: str | Promise
    summary: str | Promise

    @property
    def template(self) -> str:
        return f"support/help/{self.name}.html"


JOURNEY: tuple[HelpPage, ...] = (
    HelpPage(
        "account",
        "compte",
        _("Créer et activer mon compte"),
        _("Le compte de la personne qui dépose les factures, son activation et la connexion."),
    ),
    HelpPage(
        "structures",
        "structures",
        _("Créer ma structure ou m’y rattacher"),
        _(
            "La fiche de votre entreprise par son SIRET, le gestionnaire principal, "
            "les rattachements."
        ),
    ),
    HelpPage(
        "mandate",
        "mandat",
        _("Signer le mandat de facturation et les CGU"),
        _("Ce que vous signez avant la première facture, et qui le signe."),
    ),
    HelpPage(
        "manual-entry",
        "saisie",
        _("Saisir une facture en ligne"),
        _(
            "Le destinataire (SIRET, code service, engagement), les lignes, la TVA, "
            "les pièces jointes."
        ),
    ),
    HelpPage(
        "pdf-deposit",
        "depot-pdf",
        _("Déposer une facture PDF"),
        _("Déposer le PDF de votre facture, signé ou non, ou un fichier Factur-X."),
    ),
    HelpPage(
        "follow-up",
        "suivi",
        _("Suivre mes factures"),
        _("Ce que veut dire chaque statut, du dépôt à la mise en paiement."),
    ),
    HelpPage(
        "rejections",
        "rejets",
        _("Comprendre un rejet et y remédier"),
        _("Chaque motif de rejet ou de suspension, et ce qu’il faut faire."),
    ),
    HelpPage(
        "api",
        "api",
        _("Raccorder mon logiciel par l’API"),
        _("Déposer et suivre les factures de machine à machine."),
    ),
)

EXTRA: tuple[HelpPage, ...] = (
    HelpPage(
        "faq",
        "questions-frequentes",
        _("Questions fréquentes"),
        _("Les réponses aux questions que l’on nous pose le plus."),
    ),
    HelpPage(
        "contact",
        "contact",
        _("Qui contacter ?"),
        _(
            "Le support du portail, le service destinataire de vos factures, "
            "et comment les joindre."
        ),
    ),
)

PAGES: dict[str, HelpPage] = {page.name: page for page in (*JOURNEY, *EXTRA)}
