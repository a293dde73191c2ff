from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from flux.models import FluxItem
from structures.models import Structure


class FluxUploadForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Structure qui dépose"), queryset=Structure.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("Fichier du flux"),
        help_text=_(
            "Une archive ZIP de factures Factur-X, CII ou UBL, un fichier XML, ou un tableau "
            "JSON de factures ; 500 factures et 120 Mo au plus."
        ),
    )

    def __init__(self, *args: Any, suppliers: QuerySet[Structure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Form.fields is typed Field: this one is a ModelChoiceField.
        self.fields["supplier"].queryset = suppliers  # type: ignore[attr-defined]


class ItemFilterForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Résultat"),
        required=False,
        choices=[
            ("", _("Tous")),
            (FluxItem.Result.INTEGRATED, _("Intégrées")),
            (FluxItem.Result.REJECTED, _("Rejetées")),
            (FluxItem.Result.PENDING, _("En attente")),
        ],
    )
