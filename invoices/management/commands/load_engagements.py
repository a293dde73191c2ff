"""Load a public structure's register of legal commitments (EJ) from a CSV file.

    python manage.py load_engagements FILE.csv [--recipient SIRET]

Columns (header row, ``;`` or ``,``): ``recipient_siret`` (unless --recipient is given),
``number``, ``supplier_siret``, ``amount`` (optional, ``1234.56`` or ``1234,56``),
``state`` (optional: OPEN/CLOSED, also ``ouvert``/``clos``). Existing numbers are updated.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from invoices import services
from structures.models import Structure

_STATES = {"open": "OPEN", "ouvert": "OPEN", "closed": "CLOSED", "clos": "CLOSED", "": "OPEN"}


class Command(BaseCommand):
    help = "Charge le registre des engagements juridiques d'une structure publique (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--recipient", default="", help="SIRET de la structure publique")

    def handle(self, *args: object, path: Path, recipient: str, **options: object) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=";,")
        rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
        with transaction.atomic():
            count = sum(self._load(row, line, recipient) for line, row in enumerate(rows, 2))
        self.stdout.write(self.style.SUCCESS(f"{count} engagement(s) chargé(s)."))

    def _load(self, row: dict[str, str], line: int, default_recipient: str) -> int:
        siret = (row.get("recipient_siret") or default_recipient).replace(" ", "")
        structure = Structure.objects.filter(
            identifier_type=Structure.IdentifierType.SIRET, identifier=siret, is_public=True
        ).first()
        if structure is None:
            raise CommandError(f"line {line}: no public structure with SIRET {siret!r}")
        number = (row.get("number") or "").strip()
        supplier = (row.get("supplier_siret") or "").replace(" ", "")
        if not number or len(number) > 50 or not supplier.isdigit() or len(supplier) != 14:
            raise CommandError(f"line {line}: a number (≤ 50) and a 14-digit supplier SIRET")
        state = _STATES.get((row.get("state") or "").strip().lower())
        if state is None:
            raise CommandError(f"line {line}: state must be OPEN or CLOSED")
        services.engagement_record_upsert(
            recipient=structure,
            number=number,
            supplier_siret=supplier,
            amount=_amount(row.get("amount") or "", line),
            state=state,
        )
        return 1


def _amount(text: str, line: int) -> Decimal | None:
    text = text.strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CommandError(f"line {line}: amount {text!r} is not a number") from None
