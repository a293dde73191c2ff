"""Form fields for SIRET numbers, shared by every form (and by the API's serializers through
``clean_siret``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from structures import siret as siret_numbers

SIRET_MESSAGES = {
    "format": _(
        "Un SIRET ne contient que des chiffres (les espaces sont acceptés), "
        "par exemple 110 002 011 00044."
    ),
    "length": _("Un SIRET compte 14 chiffres ; vous en avez saisi %(count)d."),
    "checksum": _("Ce SIRET n’est pas valide : sa clé de contrôle est fausse. Vérifiez la saisie."),
}


def clean_siret(value: str) -> str:
    """The SIRET without spaces, or a ValidationError saying what is wrong with it."""
    compact = siret_numbers.compact(value or "")
    try:
        return siret_numbers.validate(compact)
    except siret_numbers.InvalidLength:  # before InvalidFormat: stdnum derives it from it
        raise ValidationError(
            SIRET_MESSAGES["length"], code="length", params={"count": len(compact)}
        ) from None
    except siret_numbers.InvalidFormat:
        raise ValidationError(SIRET_MESSAGES["format"], code="format") from None
    except siret_numbers.ValidationError:
        raise ValidationError(SIRET_MESSAGES["checksum"], code="checksum") from None


class SiretField(forms.CharField):
    """A SIRET as people type it ("110 002 011 00044"), cleaned to its 14 digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("SIRET"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})
        return attrs

    def clean(self, value: object) -> str:
        cleaned = super().clean(value)
        return clean_siret(cleaned) if cleaned else cleaned
