"""Rows that are evidence (seals, removal records, audit events): written once, never changed
nor deleted through the ORM's instances."""

from __future__ import annotations

from typing import Any


class AppendOnly:
    """A model mixin: ``save()`` of an existing row and ``delete()`` raise ``ValueError``."""

    _state: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"A {type(self).__name__} row is never modified.")
        # A model mixin: the model it is mixed into has save().
        super().save(*args, **kwargs)  # type: ignore[misc]

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"A {type(self).__name__} row is never deleted.")
