from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from structures.fields import SiretField
from structures.models import Membership, Service
from structures.selectors import SIRET_PREFIX_MIN


class SiretForm(forms.Form):
    siret = SiretField(
        help_text=_("Les 14 chiffres de l’établissement, par exemple 110 002 011 00044."),
    )


class StructureSearchForm(forms.Form):
    q = forms.CharField(
        label=_("SIREN, SIRET ou nom de l’entreprise"),
        max_length=255,
        help_text=_(
            "Le début du SIREN ou du SIRET (3 chiffres au moins, espaces acceptés), ou des mots "
            "du nom, sans souci des accents ni des majuscules : « informatique bretonne »."
        ),
    )

    def clean_q(self) -> str:
        query: str = self.cleaned_data["q"].strip()
        compact = "".join(query.split())
        if compact.isdigit() and len(compact) < SIRET_PREFIX_MIN:
            raise forms.ValidationError(
                _("Saisissez au moins %(count)d chiffres du SIRET."),
                code="too_short",
                params={"count": SIRET_PREFIX_MIN},
            )
        return query


class DecisionForm(forms.Form):
    """The principal manager's decision on one or several pending requests."""

    APPROVE = "approve"
    REFUSE = "refuse"

    requests = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Demandes"),
        error_messages={
            "required": _("Cochez au moins une demande."),
            "invalid_choice": _("Une des demandes cochées a déjà été traitée."),
            "invalid_pk_value": _("Une des demandes cochées a déjà été traitée."),
        },
    )
    decision = forms.ChoiceField(choices=[(APPROVE, _("Accepter")), (REFUSE, _("Refuser"))])
    reason = forms.CharField(
        label=_("Motif du refus"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Obligatoire pour refuser : le demandeur le lit sur le portail et par courriel."
        ),
    )

    def __init__(self, *args: object, pending: QuerySet[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["requests"].queryset = pending  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    """Names one member of the structure (detach, transfer, rights, secondary manager)."""

    membership = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    can_modify = forms.BooleanField(required=False)
    secondary = forms.BooleanField(required=False)
    confirm = forms.BooleanField(required=False)


class ProfileForm(forms.Form):
    """The structure's profile; the services check and normalise the VAT number and phone."""

    address = forms.CharField(label=_("Adresse"), max_length=255, required=False)
    postal_code = forms.CharField(label=_("Code postal"), max_length=10, required=False)
    city = forms.CharField(label=_("Commune"), max_length=100, required=False)
    vat_number = forms.CharField(
        label=_("Numéro de TVA intracommunautaire"),
        max_length=20,
        required=False,
        help_text=_("Par exemple FR40 303 265 045 ; vérifié avec le SIREN de la structure."),
    )
    contact_name = forms.CharField(label=_("Nom du contact"), max_length=150, required=False)
    contact_email = forms.EmailField(
        label=_("Adresse électronique du contact"), max_length=254, required=False
    )
    contact_phone = forms.CharField(label=_("Téléphone du contact"), max_length=30, required=False)


class BankAccountForm(forms.Form):
    label = forms.CharField(
        label=_("Libellé"),
        max_length=100,
        help_text=_(
            "Pour le reconnaître dans la liste : « Compte principal », « Agence de Lyon »."
        ),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        help_text=_("Tel qu’il figure sur le RIB, espaces acceptés."),
    )
    bic = forms.CharField(
        label=_("BIC (facultatif)"),
        max_length=15,
        required=False,
        help_text=_("8 ou 11 caractères."),
    )
    default = forms.BooleanField(label=_("En faire le compte par défaut"), required=False)


class BankAccountActionForm(forms.Form):
    DEFAULT = "default"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    DELETE = "delete"

    account = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    action = forms.ChoiceField(
        choices=[
            (DEFAULT, DEFAULT),
            (DEACTIVATE, DEACTIVATE),
            (REACTIVATE, REACTIVATE),
            (DELETE, DELETE),
        ]
    )


class AgentServicesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Services of a public structure, as checkboxes labelled « CODE — name »."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.code} — {obj.name}"


class AgentJoinForm(forms.Form):
    """An agent's request to join a public structure, with the services they work for."""

    services = AgentServicesField(
        queryset=Service.objects.none(),
        required=False,
        label=_("Services pour lesquels vous travaillez"),
        help_text=_(
            "Vous ne verrez que les factures des services cochés. Sans service coché, vous "
            "verrez toutes les factures de la structure, si son gestionnaire principal l’accepte."
        ),
        error_messages={"invalid_choice": _("Un des services cochés n’existe plus.")},
    )
    confirm = forms.BooleanField(
        label=_("Je suis agent de cette structure publique, et non l’un de ses fournisseurs."),
        error_messages={
            "required": _(
                "Cochez la case pour confirmer que vous êtes agent de cette structure publique."
            )
        },
    )

    def __init__(self, *args: object, services: QuerySet[Service], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["services"].queryset = services  # type: ignore[attr-defined]


class MemberServicesForm(forms.Form):
    """The services the principal manager scopes a member to."""

    services = AgentServicesField(
        queryset=Service.objects.none(),
        required=False,
        label=_("Services"),
        help_text=_(
            "Le membre ne voit et ne traite que les factures des services cochés ; sans service "
            "coché, il voit toutes les factures de la structure."
        ),
        error_messages={"invalid_choice": _("Un des services cochés n’existe plus.")},
    )

    def __init__(self, *args: object, services: QuerySet[Service], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["services"].queryset = services  # type: ignore[attr-defined]
