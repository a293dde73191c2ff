"""Errors the structures app raises for the user to read."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from structures.models import Structure


class StructureError(Exception):
    """A rule of the domain forbids the operation; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StructureAlreadyExists(StructureError):
    """The SIRET already has its structure: the user can ask to join it instead."""

    def __init__(self, message: str, structure: Structure) -> None:
        super().__init__(message)
        self.structure = structure
