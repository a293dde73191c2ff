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

    def __init__(self, *args: object, pending: QuerySet[Membership], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["requests"].queryset = pending  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    """Names one member of the structure (detach, transfer, rights)."""

    membership = forms.IntegerField(widget=forms.HiddenInput)
    can_modify = forms.BooleanField(required=False)


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
