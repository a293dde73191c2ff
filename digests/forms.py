"""The notice preferences' form: two choices per structure the user belongs to."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from structures import selectors as structures
from structures.models import Frequency, Membership, NoticePreference


class PreferencesForm(forms.Form):
    def __init__(
        self, rows: list[tuple[Membership, NoticePreference]], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for membership, preference in rows:
            self.fields[f"invoices-{membership.pk}"] = forms.ChoiceField(
                label=_("Factures"), choices=Frequency.choices, initial=preference.invoices
            )
            if structures.manages_requests(membership):
                self.fields[f"requests-{membership.pk}"] = forms.ChoiceField(
                    label=_("Demandes de rattachement"),
                    choices=Frequency.choices,
                    initial=preference.requests,
                )

    def structures(self) -> list[dict[str, Any]]:
        """Per structure, its membership and bound fields, for the template."""
        return [
            {
                "membership": membership,
                "invoices": self[f"invoices-{membership.pk}"],
                "requests": self[f"requests-{membership.pk}"]
                if f"requests-{membership.pk}" in self.fields
                else None,
            }
            for membership, _preference in self.rows
        ]

    def choices_of(self, membership: Membership, preference: NoticePreference) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "invoices": data[f"invoices-{membership.pk}"],
            "requests": data.get(f"requests-{membership.pk}", preference.requests),
        }
