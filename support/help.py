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


@dataclass(frozen=True)
class HelpPanel:
    """The short help shown beside one step of the journey, linking the section that explains it."""

    page: str  # a key of PAGES
    section: str  # the id of an <h2> of that page: the tests check it exists
    text: str | Promise

    @property
    def help_page(self) -> HelpPage:
        return PAGES[self.page]


# One panel per step's page, by the name the page's template gives ``{% help_panel %}``.
PANELS: dict[str, HelpPanel] = {
    "structure": HelpPanel(
        "structures",
        "trouver",
        _(
            "Cherchez votre entreprise par SIRET, SIREN ou un mot de son nom ; créez sa "
            "structure seulement si elle n’existe pas encore. Jamais celle de l’entité publique "
            "que vous facturez."
        ),
    ),
    "attachment": HelpPanel(
        "structures",
        "rattachement",
        _(
            "Votre demande attend la décision du gestionnaire principal de la structure ; vous "
            "recevez un courriel dès qu’il a répondu."
        ),
    ),
    "mandate": HelpPanel(
        "mandate",
        "mandat",
        _(
            "Le mandat autorise les utilisateurs rattachés à déposer au nom de la structure. "
            "Le gestionnaire principal le signe une fois ; sans lui, aucun dépôt n’est possible."
        ),
    ),
    "entry": HelpPanel(
        "manual-entry",
        "bon-de-commande",
        _(
            "Le SIRET du destinataire, son code service et le numéro d’engagement figurent sur le "
            "bon de commande : demandez-les à l’acheteur s’ils manquent."
        ),
    ),
    "upload": HelpPanel(
        "pdf-deposit",
        "deposer",
        _(
            "Un PDF par facture. Un fichier Factur-X, CII ou UBL est lu : les informations qu’il "
            "porte n’ont pas à être saisies à nouveau."
        ),
    ),
    "follow-up": HelpPanel(
        "follow-up",
        "statuts",
        _(
            "Chaque statut dit où en est la facture, du dépôt à la mise en paiement ; un rejet "
            "ou une suspension donne toujours son motif."
        ),
    ),
}
