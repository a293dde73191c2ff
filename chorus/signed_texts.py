"""Texts people sign (the CGU, the billing mandate): once someone has accepted a version, its
words never change — a new text is a new version — and each acceptance keeps the SHA-256 of
the exact text accepted, when, and from which client address."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FROZEN_FIELDS = ("version", "title", "body", "published_at")


def text_sha256(text: str) -> str:
    """The SHA-256 of a text as displayed (UTF-8): what an acceptance records."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FrozenOnceAccepted:
    """For a model of published versions (``version``, ``title``, ``body``, ``published_at``).

    ``is_accepted()`` says whether anyone accepted this version; from then on ``clean()`` and
    ``save()`` refuse any change of those fields (the admin shows them read only)."""

    pk: Any
    body: str

    def is_accepted(self) -> bool:
        raise NotImplementedError

    @property
    def text_sha256(self) -> str:
        return text_sha256(self.body)

    def changed_frozen_fields(self) -> list[str]:
        if self.pk is None or not self.is_accepted():
            return []
        # A model mixin: the model it is mixed into has a manager.
        stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_FIELDS).first()  # type: ignore[attr-defined]
        if stored is None:
            return []
        return [name for name in FROZEN_FIELDS if stored[name] != getattr(self, name)]

    def clean(self) -> None:
        # A model mixin: the model it is mixed into has clean().
        super().clean()  # type: ignore[misc]
        if self.changed_frozen_fields():
            raise ValidationError(
                _(
                    "Cette version a déjà été acceptée : son texte ne change plus. "
                    "Publiez une nouvelle version."
                ),
                code="frozen",
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        changed = self.changed_frozen_fields()
        if changed:
            raise ValidationError(
                f"Version already accepted: {', '.join(changed)} cannot change.", code="frozen"
            )
        # A model mixin: the model it is mixed into has save().
        super().save(*args, **kwargs)  # type: ignore[misc]
