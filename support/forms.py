"""Forms of the ticket pages. They check input; the services decide and write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chorus.text import validate_multiline
from structures.selectors import structures_of
from support import catalogue, selectors
from support.catalogue import Receiver
from support.validators import ALLOWED_EXTENSIONS, validate_attachment
from support.workflow import RULES, Action, TicketStatus

if TYPE_CHECKING:
    from support.models import Ticket

TITLE_MAX = 200
TEXT_MAX = 5000


def _attachment_field() -> forms.FileField:
    return forms.FileField(
        label=_("Pièce jointe (facultatif)"),
        required=False,
        validators=[validate_attachment],
        help_text=_("10 Mo au plus ; nom de 50 caractères au plus ; types : %(types)s.")
        % {"types": ", ".join(ALLOWED_EXTENSIONS)},
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}),
    )


class TopicMixin(forms.Form):
    """Category and sub-category in one select with option groups: usable without a script."""

    topic = forms.ChoiceField(
        label=_("Catégorie et sous-catégorie"),
        choices=[("", _("Choisir une catégorie")), *catalogue.topic_choices()],
    )
    title = forms.CharField(label=_("Objet"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Décrivez la difficulté : ce que vous faisiez, le message affiché, les numéros utiles."
        ),
    )
    attachment = _attachment_field()

    def clean_topic(self) -> str:
        value = self.cleaned_data["topic"]
        split = catalogue.split_topic(value)
        if split is None:
            raise forms.ValidationError(_("Choisissez une catégorie de la liste."))
        self.cleaned_data["category"], self.cleaned_data["subcategory"] = split
        return value


class ContactForm(TopicMixin):
    """ "Nous contacter", for visitors with no account."""

    field_order = ["topic", "email", "title", "description", "attachment"]

    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        help_text=_(
            "Nous y enverrons le numéro de la sollicitation, le lien de suivi et les réponses."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The honeypot: hidden from people (and from screen readers), filled in by robots.
    website = forms.CharField(
        label=_("Ne remplissez pas ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("Votre demande n’a pas pu être envoyée."), code="honeypot"
            )
        return cleaned

    @property
    def caught_robot(self) -> bool:
        return any(e.code == "honeypot" for e in self.non_field_errors().as_data())


class TicketForm(TopicMixin):
    """A connected user's ticket (new or draft). The recipient is asked only for a question
    about an invoice's processing, and only when the ticket does not come from an invoice."""

    field_order = [
        "topic",
        "sender_structure",
        "recipient_siret",
        "recipient_service_code",
        "invoice_number",
        "title",
        "description",
        "attachment",
    ]

    sender_structure = forms.ModelChoiceField(
        label=_("Structure concernée (facultatif)"), queryset=None, required=False
    )
    recipient_siret = forms.CharField(
        label=_("SIRET du destinataire public"),
        required=False,
        max_length=20,
        help_text=_(
            "Pour une question sur le traitement d’une facture : le SIRET de l’entité publique "
            "destinataire (pour l’État : 110 002 011 00044)."
        ),
    )
    recipient_service_code = forms.CharField(
        label=_("Code service du destinataire"),
        required=False,
        max_length=100,
        help_text=_("Le code du service exécutant (SE) indiqué sur le bon de commande."),
    )
    invoice_number = forms.CharField(
        label=_("Numéro de la facture concernée (facultatif)"), required=False, max_length=50
    )

    def __init__(self, *args: Any, user: Any, from_invoice: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.from_invoice = from_invoice
        self.fields["sender_structure"].queryset = structures_of(user).order_by("name")
        if from_invoice:
            for name in (
                "sender_structure",
                "recipient_siret",
                "recipient_service_code",
                "invoice_number",
            ):
                del self.fields[name]

    @classmethod
    def initial_for(cls, ticket: Ticket) -> dict[str, Any]:
        return {
            "topic": catalogue.topic(ticket.category, ticket.subcategory),
            "sender_structure": ticket.sender_structure_id,
            "recipient_siret": ticket.recipient_structure.identifier
            if ticket.recipient_structure
            else "",
            "recipient_service_code": ticket.recipient_service.code
            if ticket.recipient_service
            else "",
            "invoice_number": ticket.invoice_number,
            "title": ticket.title,
            "description": ticket.description,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["recipient_structure"] = cleaned["recipient_service"] = None
        category, subcategory = cleaned.get("category"), cleaned.get("subcategory")
        if self.from_invoice or not category:
            return cleaned
        if catalogue.receiver_for(category, subcategory) == Receiver.RECIPIENT:
            self._clean_recipient(cleaned)
        return cleaned

    def _clean_recipient(self, cleaned: dict[str, Any]) -> None:
        siret = "".join((cleaned.get("recipient_siret") or "").split())
        if not siret:
            self.add_error(
                "recipient_siret",
                _(
                    "Une question sur le traitement d’une facture va à son destinataire : "
                    "indiquez son SIRET."
                ),
            )
            return
        structure = selectors.public_recipient(siret)
        if structure is None:
            self.add_error("recipient_siret", _("Aucune entité publique active ne porte ce SIRET."))
            return
        cleaned["recipient_structure"] = structure
        services = selectors.open_services(structure)
        code = (cleaned.get("recipient_service_code") or "").strip()
        if not code:
            if services.exists():
                self.add_error(
                    "recipient_service_code", _("Ce destinataire demande un code service.")
                )
            return
        service = services.filter(code=code).first()
        if service is None:
            self.add_error(
                "recipient_service_code", _("Ce code service n’existe pas chez ce destinataire.")
            )
        cleaned["recipient_service"] = service


class MessageForm(forms.Form):
    """A message with the action it goes with (the button pressed)."""

    action = forms.ChoiceField(choices=[(a.value, a.label) for a in Action if a != Action.SEND])
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachment = _attachment_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        action = cleaned.get("action")
        if action and RULES[Action(action)].needs_text and not (cleaned.get("body") or "").strip():
            self.add_error("body", _("Écrivez un message pour cette action."))
        return cleaned


class ReceivedFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous"))]
        + [(s.value, s.label) for s in TicketStatus if s != TicketStatus.BROUILLON],
    )
    category = forms.ChoiceField(
        label=_("Catégorie"),
        required=False,
        choices=[("", _("Toutes")), *catalogue.category_choices()],
    )
    sent_from = forms.DateField(
        label=_("Envoyée à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sent_until = forms.DateField(
        label=_("Envoyée jusqu’au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def filters(self) -> selectors.ReceivedFilters:
        if not self.is_valid():
            return selectors.ReceivedFilters()
        return selectors.ReceivedFilters(**self.cleaned_data)


class PrincipalHelpForm(forms.Form):
    """A member asks the portal's support for a new principal manager."""

    description = forms.CharField(
        label=_("Votre message au support"),
        max_length=5000,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Dites ce que vous savez : départ du gestionnaire principal, demandes restées sans "
            "réponse, et qui, dans la structure, peut reprendre le rôle."
        ),
    )
