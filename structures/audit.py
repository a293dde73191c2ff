"""The structure's audit trail (``StructureEvent``): one row per change of its profile, bank
accounts or managers, written in the change's own transaction."""

from __future__ import annotations

from accounts.models import User
from structures.models import Structure, StructureEvent


def record(
    structure: Structure,
    action: str,
    *,
    user: User,
    member: User | None = None,
    detail: str = "",
) -> StructureEvent:
    return StructureEvent.objects.create(
        structure=structure, action=action, user=user, member=member, detail=detail[:500]
    )
