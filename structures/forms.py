from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from structures.fields import SiretField
from structures.models import Membership
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

    def __init__(self, *args: Any, pending: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form.fields is typed Field: this one is a ModelMultipleChoiceField.
        self.fields["requests"].queryset = pending  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    """Names one member of the structure (detach, transfer, rights)."""

    membership = forms.IntegerField(widget=forms.HiddenInput)
    can_modify = forms.BooleanField(required=False)
