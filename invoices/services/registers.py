"""The registers of legal commitments (EJ) that public structures keep for routing."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from invoices.models import EngagementRecord
from structures.models import Structure


@transaction.atomic
def engagement_record_upsert(
    *,
    recipient: Structure,
    number: str,
    supplier_siret: str,
    amount: Decimal | None = None,
    state: str = EngagementRecord.State.OPEN,
) -> EngagementRecord:
    """Create or update one EJ of a public structure's register."""
    if not recipient.is_public:
        raise ValueError("Only a public structure keeps a register of legal commitments.")
    record, _created = EngagementRecord.objects.update_or_create(
        recipient=recipient,
        number=number,
        defaults={"supplier_siret": supplier_siret, "amount": amount, "state": state},
    )
    return record
