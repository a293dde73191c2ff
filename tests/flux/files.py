"""Flux files for the tests: JSON arrays of typed invoices, ZIPs of CII files, hostile ZIPs."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from tests.invoices.factories import GOOD_IBAN

STATE = "11000201100044"


def json_invoice(siret: str, number: str, lines: int = 3, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "supplier_siret": siret,
        "number": number,
        "issue_date": timezone.localdate().isoformat(),
        "recipient_siret": STATE,
        "service_code": "FACTURES_PUBLIQUES",
        "iban": GOOD_IBAN,
        "lines": [
            {
                "description": f"Prestation {n}",
                "quantity": "2",
                "unit_price": "150.00",
                "vat_rate": "20",
            }
            for n in range(lines)
        ],
    }
    body.update(overrides)
    return body


def json_flux(siret: str, count: int, prefix: str = "F") -> bytes:
    return json.dumps([json_invoice(siret, f"{prefix}-{i:04d}") for i in range(count)]).encode()


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def as_file(content: bytes, name: str) -> ContentFile:
    return ContentFile(content, name=name)
